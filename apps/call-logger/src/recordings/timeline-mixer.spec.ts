import { MAX_CLOCK_LEAD_MS, MixerFrame, TimelineMixer } from './timeline-mixer';

const RATE = 8000;
const FRAME = 160;

/** A 20 ms frame whose samples all equal `value`. */
const frame = (value: number) => new Int16Array(FRAME).fill(value);
const at = (
  timestamp: number,
  samples: Int16Array,
  clockMs: number,
  runId?: string,
): MixerFrame => ({
  timestamp,
  samples,
  clockMs,
  runId,
});

function collect(channels: 1 | 2, capacityMs = 2000) {
  const chunks: Buffer[] = [];
  const mixer = new TimelineMixer(RATE, channels, (chunk) => chunks.push(chunk), {
    capacityMs,
    flushMs: 100,
  });
  const samples = () => {
    const all = Buffer.concat(chunks);
    return new Int16Array(all.buffer, all.byteOffset, all.byteLength / 2);
  };
  const channel = (index: number) => samples().filter((_, i) => i % channels === index);
  return { mixer, chunks, samples, channel };
}

describe('TimelineMixer', () => {
  it('interleaves caller left and agent right on one timeline', () => {
    const { mixer, channel } = collect(2);
    for (let i = 0; i < 10; i += 1) {
      mixer.push('caller', at(i * FRAME, frame(100 + i), 1000 + i * 20));
      mixer.push('agent', at(i * FRAME, frame(-100 - i), 1000 + i * 20));
    }
    mixer.end();
    expect(channel(0)).toEqual(
      Int16Array.from({ length: 10 * FRAME }, (_, i) => 100 + Math.floor(i / FRAME)),
    );
    expect(channel(1)).toEqual(
      Int16Array.from({ length: 10 * FRAME }, (_, i) => -100 - Math.floor(i / FRAME)),
    );
    expect(mixer.durationSamples).toBe(10 * FRAME);
  });

  it('fills an Audio-Timestamp gap with silence so the timeline keeps the call time', () => {
    const { mixer, channel } = collect(1);
    mixer.push('mixed', at(0, frame(7), 0));
    mixer.push('mixed', at(5 * FRAME, frame(9), 100));
    mixer.end();
    const out = channel(0);
    expect(out).toHaveLength(6 * FRAME);
    expect(out.slice(0, FRAME).every((s) => s === 7)).toBe(true);
    expect(out.slice(FRAME, 5 * FRAME).every((s) => s === 0)).toBe(true);
    expect(out.slice(5 * FRAME).every((s) => s === 9)).toBe(true);
    expect(mixer.report()[0]).toMatchObject({ gapSamples: 4 * FRAME, frames: 2, lateFrames: 0 });
  });

  it('places a track that starts later at its arrival time, and takes frames of one track before the other', () => {
    const { mixer, channel } = collect(2);
    // The agent's first frames arrive 100 ms after the caller's started the recording.
    for (let i = 0; i < 5; i += 1)
      mixer.push('caller', at(3200 + i * FRAME, frame(1), 1000 + i * 20));
    for (let i = 0; i < 5; i += 1)
      mixer.push('agent', at(800 + i * FRAME, frame(2), 1100 + i * 20));
    for (let i = 5; i < 10; i += 1)
      mixer.push('caller', at(3200 + i * FRAME, frame(1), 1000 + i * 20));
    mixer.end();
    const agent = channel(1);
    expect(agent.slice(0, 800).every((s) => s === 0)).toBe(true);
    expect(agent.slice(800, 800 + 5 * FRAME).every((s) => s === 2)).toBe(true);
    expect(channel(0).every((s) => s === 1)).toBe(true);
    expect(mixer.report().find((t) => t.track === 'agent')?.offsetSamples).toBe(800);
  });

  it('holds a bounded amount while one track lags, then writes on and drops its late frames', () => {
    const { mixer, chunks, channel } = collect(2, 500);
    mixer.push('agent', at(0, frame(5), 0));
    for (let i = 0; i < 100; i += 1) mixer.push('caller', at(i * FRAME, frame(3), i * 20));
    // 2 s of caller audio against 20 ms of agent audio: most of it is on its way to disk already.
    const written = chunks.reduce((sum, c) => sum + c.byteLength, 0) / 4;
    expect(written).toBeGreaterThanOrEqual(100 * FRAME - 4000);
    expect(mixer.push('agent', at(FRAME, frame(5), 2000))).toBe('late');
    mixer.end();
    expect(channel(0)).toHaveLength(100 * FRAME);
    expect(mixer.report().find((t) => t.track === 'agent')?.lateFrames).toBe(1);
  });

  it('re-anchors a track whose timestamps restart (a new tap) instead of dropping everything', () => {
    const { mixer, channel } = collect(1);
    for (let i = 0; i < 5; i += 1)
      mixer.push('caller', at(1_000_000 + i * FRAME, frame(1), i * 20));
    expect(mixer.push('caller', at(0, frame(4), 100))).toBe('written');
    mixer.end();
    const out = channel(0);
    expect(out).toHaveLength(6 * FRAME);
    expect(out.slice(5 * FRAME).every((s) => s === 4)).toBe(true);
  });

  it('continues a track across a re-tap: the new run starts at its capture time, audio both delivered is written once', () => {
    const { mixer, channel } = collect(1);
    // Run A for 1 s; run B (timestamps from 0 again) taps the same call from 0.9 s on, and both
    // deliver until A's frames stop.
    for (let i = 0; i < 50; i += 1) mixer.push('caller', at(i * FRAME, frame(1), i * 20, 'A'));
    for (let i = 0; i < 60; i += 1) {
      expect(mixer.push('caller', at(i * FRAME, frame(2), 900 + i * 20, 'B'))).not.toBe('refused');
    }
    // A frame of A still on its way once B took over is dropped.
    expect(mixer.push('caller', at(50 * FRAME, frame(1), 1000, 'A'))).toBe('late');
    mixer.end();
    const out = channel(0);
    expect(out).toHaveLength(((900 + 60 * 20) * RATE) / 1000);
    expect(out.slice(0, 45 * FRAME).every((s) => s === 1)).toBe(true);
    expect(out.slice(50 * FRAME).every((s) => s === 2)).toBe(true);
    // B's first 100 ms were on disk already from A: late, like the frame of A after the switch.
    expect(mixer.report()[0]).toMatchObject({ runs: 2, lateFrames: 6 });
  });

  it('writes no more silence than the wall clock allows, however far the timestamps jump', () => {
    const { mixer, channel } = collect(1);
    // A sequence jump of 2,999 between packets that arrive 20 ms apart: 60 s of timestamps each.
    for (let i = 0; i < 26; i += 1) {
      expect(mixer.push('caller', at(i * 2999 * FRAME, frame(1), i * 20))).toBe('written');
    }
    mixer.end();
    expect(channel(0)).toHaveLength(26 * FRAME);
    expect(channel(0).every((s) => s === 1)).toBe(true);
  });

  it('keeps the timeline within the wall clock for wild timestamps, and real gaps as silence', () => {
    const { mixer } = collect(2);
    let seed = 7;
    const upTo59s = () => (seed = (seed * 1103515245 + 12345) % 0x80000000) % (59 * RATE);
    const last = { caller: 0, agent: 0 };
    for (let i = 0; i < 500; i += 1) {
      for (const track of ['caller', 'agent'] as const) {
        last[track] += FRAME + upTo59s();
        mixer.push(track, at(last[track], frame(1), i * 20));
      }
    }
    // 10 s of packets: the file may lag the clock, never run ahead of it by more than the lead
    // (and the frame that reached it).
    expect(mixer.durationSamples).toBeLessThanOrEqual(
      ((10_000 + MAX_CLOCK_LEAD_MS) * RATE) / 1000 + FRAME,
    );
    // A real gap (the packets of 3 s never came, and 3 s passed) still becomes silence.
    const callerEnd = () => {
      const caller = mixer.report()[0];
      return caller.offsetSamples + caller.frames * FRAME + caller.gapSamples;
    };
    const before = callerEnd();
    mixer.stopTrack('agent');
    mixer.push('caller', at(last.caller + FRAME, frame(3), 10_000));
    mixer.push('caller', at(last.caller + 2 * FRAME + 3 * RATE, frame(3), 13_020));
    expect(callerEnd()).toBe(before + 2 * FRAME + 3 * RATE);
    expect(mixer.durationSamples).toBeGreaterThanOrEqual(callerEnd());
  });

  it('keeps the real gaps of a run whose first capture time was the least certain', () => {
    const { mixer } = collect(1);
    // The first frame's capture time came out 400 ms late: the gateway had read it late and had
    // nothing faster to go by yet. The frames after it carry the sharper estimate.
    mixer.push('caller', at(0, frame(1), 400));
    for (let i = 1; i < 50; i += 1) mixer.push('caller', at(i * FRAME, frame(1), i * 20));
    // Three packets lost: their places are a gap in the timestamps and in the capture times.
    for (let i = 53; i < 60; i += 1) mixer.push('caller', at(i * FRAME, frame(1), i * 20));
    expect(mixer.report()[0]).toMatchObject({ gapSamples: 3 * FRAME, lateFrames: 0 });
    mixer.end();
    expect(mixer.durationSamples).toBe(60 * FRAME);
  });

  it('keeps a mono file to one track and a stereo file to caller and agent', () => {
    const mono = collect(1).mixer;
    expect(mono.push('caller', at(0, frame(1), 0))).toBe('written');
    expect(mono.push('agent', at(0, frame(1), 0))).toBe('refused');
    expect(collect(2).mixer.push('mixed', at(0, frame(1), 0))).toBe('refused');
  });
});
