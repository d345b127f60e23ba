import { join } from 'node:path';
import type { AudioFrame } from '@asb/contracts';
import { readWavPcm16 } from '@asb/rtp';
import type { RecognisedSegment } from './recogniser';
import { SpeechActivityRecogniser } from './speech-activity-recogniser';

const FRAME = 160;
const CAPTURED_AT = 1_796_300_000_000;

/** The fixture the simulator plays for a track, cut into 20 ms frames of one run. */
function frames(samples: Int16Array, runId = 'run-1', from = 0): AudioFrame[] {
  const out: AudioFrame[] = [];
  for (let start = 0; start + FRAME <= samples.length; start += FRAME) {
    const chunk = samples.slice(start, start + FRAME);
    out.push({
      sequence: start / FRAME,
      timestamp: from + start,
      sampleRate: 8000,
      codec: 'ulaw',
      frameMs: 20,
      capturedAt: CAPTURED_AT + ((from + start) * 1000) / 8000,
      runId,
      pcm: new Uint8Array(chunk.buffer),
    });
  }
  return out;
}

function run(recogniser: SpeechActivityRecogniser, input: AudioFrame[]): RecognisedSegment[] {
  return [...input.flatMap((frame) => recogniser.push(frame)), ...recogniser.end()];
}

const caller = readWavPcm16(
  join(__dirname, '../../../apps/asterisk-sim/fixtures/caller-8k.wav'),
).samples;

describe('the speech-activity recogniser', () => {
  it('finds the speech of the fixture, leaves its silent ends out, and has no text', () => {
    const segments = run(new SpeechActivityRecogniser(), frames(caller));
    const finals = segments.filter((segment) => segment.kind === 'final');
    expect(finals.length).toBeGreaterThanOrEqual(1);
    // The fixture is padded with 0.3 s of silence at each end.
    expect(finals[0].span.startSample).toBeGreaterThanOrEqual(0.25 * 8000);
    expect(finals.at(-1)?.span.endSample).toBeLessThanOrEqual(caller.length - 0.25 * 8000);
    expect(segments.every((segment) => segment.text === '')).toBe(true);
    // Every partial comes before its final, and shares its id.
    for (const final of finals) {
      const ofIt = segments.filter((segment) => segment.segmentId === final.segmentId);
      expect(ofIt.at(-1)).toBe(final);
      expect(ofIt.slice(0, -1).every((segment) => segment.kind === 'partial')).toBe(true);
    }
  });

  it('places spans on the run samples and on the frames capture clock', () => {
    const [first] = run(new SpeechActivityRecogniser(), frames(caller, 'run-7', 80_000));
    expect(first.span.runId).toBe('run-7');
    expect(first.span.startAt).toBe(CAPTURED_AT + (first.span.startSample * 1000) / 8000);
    expect(first.span.startSample).toBeGreaterThanOrEqual(80_000);
  });

  it('publishes nothing for silence, and ends an open segment when the run changes', () => {
    const silence = new Int16Array(8000);
    expect(run(new SpeechActivityRecogniser(), frames(silence))).toEqual([]);

    const recogniser = new SpeechActivityRecogniser();
    const speech = caller.subarray(0.3 * 8000, 1.5 * 8000);
    const before = frames(speech, 'run-1').flatMap((frame) => recogniser.push(frame));
    const after = frames(speech, 'run-2').flatMap((frame) => recogniser.push(frame));
    const closed = [...before, ...after].filter(
      (segment) => segment.kind === 'final' && segment.span.runId === 'run-1',
    );
    expect(closed).toHaveLength(1);
  });
});
