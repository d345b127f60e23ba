import { TrackAligner } from './track-aligner';

const filled = (value: number, count: number) => new Int16Array(count).fill(value);

function collect(): { out: Buffer[]; emit: (pcm: Buffer) => void } {
  const out: Buffer[] = [];
  return { out, emit: (pcm) => out.push(pcm) };
}

const samples = (pcm: Buffer) => new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);

describe('TrackAligner', () => {
  it('interleaves left and right once both sides have a chunk', () => {
    const aligner = new TrackAligner(4, 3, 'stereo');
    const { out, emit } = collect();
    aligner.push(0, filled(1, 4), 4, emit);
    expect(out).toHaveLength(0);
    aligner.push(1, filled(2, 4), 4, emit);
    expect(out).toHaveLength(1);
    expect([...samples(out[0])]).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
  });

  it('sends one side alone, with silence beside it, when the other is not tapped', () => {
    const aligner = new TrackAligner(4, 3, 'stereo');
    aligner.setActive(1, false);
    const { out, emit } = collect();
    aligner.push(0, filled(7, 8), 8, emit);
    expect(out.map((pcm) => [...samples(pcm)])).toEqual([
      [7, 0, 7, 0, 7, 0, 7, 0],
      [7, 0, 7, 0, 7, 0, 7, 0],
    ]);
  });

  it('waits for a stalled side at most the hold, then goes on without it', () => {
    const aligner = new TrackAligner(4, 3, 'stereo');
    const { out, emit } = collect();
    aligner.push(0, filled(5, 8), 8, emit);
    expect(out).toHaveLength(0);
    aligner.push(0, filled(5, 4), 4, emit);
    expect(out).toHaveLength(1);
    expect([...samples(out[0])]).toEqual([5, 0, 5, 0, 5, 0, 5, 0]);
  });

  it('pads a side that starts later than its place with silence, and skips audio already out', () => {
    const aligner = new TrackAligner(4, 5, 'stereo');
    const { out, emit } = collect();
    aligner.push(0, filled(1, 12), 12, emit, 1000);
    // The right side starts 8 samples after the left.
    aligner.push(1, filled(2, 4), 4, emit, 1008);
    const right = out.flatMap((pcm) => [...samples(pcm)].filter((_, i) => i % 2 === 1));
    expect(right).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2]);
    // A re-tap delivers from place 1004: what is out already (1004-1011) is skipped.
    aligner.push(1, filled(3, 12), 12, emit, 1004);
    aligner.push(0, filled(1, 4), 4, emit, 1012);
    expect(out).toHaveLength(4);
    expect([...samples(out[3])].filter((_, i) => i % 2 === 1)).toEqual([3, 3, 3, 3]);
  });

  it('mixes both sides into one channel, clamped', () => {
    const aligner = new TrackAligner(2, 3, 'mix');
    const { out, emit } = collect();
    aligner.push(0, Int16Array.from([100, 30000]), 2, emit);
    aligner.push(1, Int16Array.from([-50, 10000]), 2, emit);
    expect([...samples(out[0])]).toEqual([50, 32767]);
  });
});
