import { join } from 'node:path';
import { throughCodec } from '../codecs/codec-round-trip';
import { AudioDefect, withAudioDefect } from './audio-defects';
import { ACTIVITY_SLOT_MS, SuspectFormat } from '@asb/contracts';
import { MAX_PENDING_SLOTS, TrackAudioAnalyzer } from './track-audio-analyzer';
import { readWavPcm16 } from './wav-file';

const FIXTURES = join(__dirname, '../../../../../apps/asterisk-sim/fixtures');
type Format = 'ulaw' | 'alaw' | 'slin' | 'slin16';
const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

function fixture(voice: string, rate: 8000 | 16000): Int16Array {
  return readWavPcm16(join(FIXTURES, `${voice}-${rate / 1000}k.wav`)).samples;
}

/** Feeds `seconds` of `audio` (looped from `start`) in 20 ms frames, as the gateway does. */
function analyse(
  audio: Int16Array,
  rate: number,
  seconds: number,
  start = 0,
  checkBandwidth = rate === 16000,
) {
  const analyzer = new TrackAudioAnalyzer(20, checkBandwidth);
  const perFrame = rate / 50;
  const frame = new Int16Array(perFrame);
  let position = start % audio.length;
  for (let f = 0; f < seconds * 50; f += 1) {
    for (let i = 0; i < perFrame; i += 1) {
      frame[i] = audio[position];
      position = (position + 1) % audio.length;
    }
    analyzer.analyse(frame, 0, perFrame, T0 + f * 20);
  }
  return analyzer;
}

function verdict(analyzer: TrackAudioAnalyzer): string {
  const { suspectFormat, clipping } = analyzer.findings();
  if (analyzer.signalMs === 0) return 'no signal';
  return suspectFormat ?? (clipping ? 'clipping' : 'speech');
}

describe('TrackAudioAnalyzer', () => {
  // Each broken variant of the simulator's spoken fixtures, sent in each RTP format and decoded
  // as the gateway decodes it, and what the analysis must call it after 10 s.
  const table: [AudioDefect | 'none', Format, string][] = [
    ['none', 'ulaw', 'speech'],
    ['none', 'alaw', 'speech'],
    ['none', 'slin', 'speech'],
    ['none', 'slin16', 'speech'],
    ['byte_swapped', 'ulaw', 'broadband_noise'],
    ['byte_swapped', 'alaw', 'broadband_noise'],
    ['byte_swapped', 'slin', 'broadband_noise'],
    ['byte_swapped', 'slin16', 'broadband_noise'],
    ['ulaw_as_alaw', 'ulaw', 'g711_law_mismatch'],
    ['ulaw_as_alaw', 'alaw', 'g711_law_mismatch'],
    ['ulaw_as_alaw', 'slin', 'g711_law_mismatch'],
    ['ulaw_as_alaw', 'slin16', 'g711_law_mismatch'],
    ['rate_8k_as_16k', 'slin16', 'too_bright'],
    ['silence', 'ulaw', 'no signal'],
    ['silence', 'slin16', 'no signal'],
    ['clipped', 'ulaw', 'clipping'],
    ['clipped', 'alaw', 'clipping'],
    ['clipped', 'slin', 'clipping'],
    ['clipped', 'slin16', 'clipping'],
  ];

  describe.each(['caller', 'agent'])('on the %s fixture', (voice) => {
    it.each(table)('classifies %s sent as %s as %s', (defect, format, expected) => {
      const rate = format === 'slin16' ? 16000 : 8000;
      const clean = fixture(voice, rate);
      const audio =
        defect === 'none'
          ? clean
          : withAudioDefect(
              defect,
              { 8000: fixture(voice, 8000), 16000: fixture(voice, 16000) },
              rate,
            );
      const analyzer = analyse(throughCodec(audio, format), rate, 10);
      expect(verdict(analyzer)).toBe(expected);
    });
  });

  it('measures speech as the share of frames well above the line noise', () => {
    const analyzer = analyse(fixture('caller', 8000), 8000, 20);
    // The fixture is speech with pauses between phrases and 0.6 s of silence at the seam.
    expect(analyzer.speechMs / analyzer.analysedMs).toBeGreaterThan(0.6);
    expect(analyzer.speechMs / analyzer.analysedMs).toBeLessThan(0.9);
    const silent = analyse(new Int16Array(8000), 8000, 5);
    expect([silent.speechMs, silent.signalMs]).toEqual([0, 0]);
  });

  it('does not take steady line noise for speech once it has followed the noise up', () => {
    const noise = new Int16Array(8000 * 4);
    let seed = 1;
    for (let i = 0; i < noise.length; i += 1) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      noise[i] = ((seed % 2001) - 1000) >> 1; // about -41 dBFS of white noise
    }
    const analyzer = new TrackAudioAnalyzer(20, false);
    const speechAfter = (seconds: number) => {
      for (let f = 0; f < seconds * 50; f += 1) {
        analyzer.analyse(noise, (f * 160) % noise.length, 160, T0 + f * 20);
      }
      return analyzer.speechMs;
    };
    const early = speechAfter(40);
    // The floor rises 1 dB a second from -70 dBFS: within 30 s the noise is the floor.
    expect(early).toBeGreaterThan(0);
    expect(speechAfter(20)).toBe(early);
    expect(analyzer.signalMs).toBe(60_000);
  });

  it('never mistakes the fixtures for a format problem from any starting point', () => {
    for (const voice of ['caller', 'agent']) {
      for (const format of ['ulaw', 'alaw', 'slin', 'slin16'] as Format[]) {
        const rate = format === 'slin16' ? 16000 : 8000;
        const audio = throughCodec(fixture(voice, rate), format);
        for (let start = 0; start < audio.length; start += Math.floor(audio.length / 7)) {
          const analyzer = analyse(audio, rate, 6, start);
          expect({ voice, format, start, finding: analyzer.findings() }).toEqual({
            voice,
            format,
            start,
            finding: { suspectFormat: undefined, clipping: false },
          });
        }
      }
    }
  });

  it('reports the mean of each interval as the DC offset', () => {
    const offset = new Int16Array(1600).fill(3277);
    const analyzer = analyse(offset, 8000, 1);
    expect(analyzer.takeDcOffset()).toBeCloseTo(0.1, 3);
    expect(analyzer.takeDcOffset()).toBe(0);
  });

  it('never calls broken audio clipping, not even before it has heard enough to name it', () => {
    for (const defect of ['byte_swapped', 'ulaw_as_alaw'] as const) {
      const recording = { 8000: fixture('caller', 8000), 16000: fixture('caller', 16000) };
      const audio = throughCodec(withAudioDefect(defect, recording, 8000), 'ulaw');
      const analyzer = new TrackAudioAnalyzer(20, false);
      for (let f = 0; f < 500; f += 1) {
        analyzer.analyse(audio, f * 160, 160, T0 + f * 20);
        expect({ defect, frame: f, clipping: analyzer.findings().clipping }).toEqual({
          defect,
          frame: f,
          clipping: false,
        });
      }
    }
  });

  it('lets a finding go once the window has only good audio', () => {
    const rate = 8000;
    const analyzer = new TrackAudioAnalyzer(20, false);
    const swapped = throughCodec(
      withAudioDefect(
        'byte_swapped',
        { 8000: fixture('caller', 8000), 16000: fixture('caller', 16000) },
        rate,
      ),
      'ulaw',
    );
    const good = throughCodec(fixture('caller', rate), 'ulaw');
    let t = T0;
    const feed = (audio: Int16Array, seconds: number) => {
      for (let f = 0; f < seconds * 50; f += 1, t += 20) {
        analyzer.analyse(audio, (f * 160) % (audio.length - 160), 160, t);
      }
    };
    feed(swapped, 5);
    expect(analyzer.findings().suspectFormat).toBe<SuspectFormat>('broadband_noise');
    feed(good, 6);
    expect(analyzer.findings().suspectFormat).toBeUndefined();
  });

  describe('speech activity', () => {
    const loud = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
    const quiet = new Int16Array(160);

    it('gives one slot per 100 ms of capture time, aligned to the clock', () => {
      const analyzer = new TrackAudioAnalyzer(20, false);
      const start = T0 + 40; // the second half of a slot
      for (let f = 0; f < 14; f += 1) {
        analyzer.analyse(f < 8 ? loud : quiet, 0, 160, start + f * 20);
      }
      // Slots: 40-100 (3 frames, speech), 100-200 (speech), 200-300 (0 of 5 speech); the slot
      // at 300 is still open.
      expect(analyzer.takeActivity()).toEqual({ from: T0, slots: '110' });
      expect(analyzer.takeActivity()).toBeUndefined();
      expect(analyzer.takeActivity(true)).toEqual({ from: T0 + 300, slots: '0' });
    });

    it('marks slots no frame reached as without audio', () => {
      const analyzer = new TrackAudioAnalyzer(20, false);
      analyzer.analyse(loud, 0, 160, T0);
      analyzer.analyse(loud, 0, 160, T0 + 20);
      analyzer.analyse(loud, 0, 160, T0 + 350);
      analyzer.analyse(loud, 0, 160, T0 + 370);
      analyzer.analyse(loud, 0, 160, T0 + 400);
      expect(analyzer.takeActivity()).toEqual({ from: T0, slots: '1--1' });
    });

    it('keeps at most a minute of slots nobody took, the newest', () => {
      const analyzer = new TrackAudioAnalyzer(20, false);
      const slots = MAX_PENDING_SLOTS + 50;
      for (let s = 0; s <= slots; s += 1) {
        analyzer.analyse(loud, 0, 160, T0 + s * ACTIVITY_SLOT_MS);
        analyzer.analyse(loud, 0, 160, T0 + s * ACTIVITY_SLOT_MS + 20);
      }
      const activity = analyzer.takeActivity();
      expect(activity?.slots).toHaveLength(MAX_PENDING_SLOTS);
      expect(activity?.from).toBe(T0 + 50 * ACTIVITY_SLOT_MS);
      // A gap longer than the buffer starts it again at the new audio.
      analyzer.analyse(loud, 0, 160, T0 + (slots + 5000) * ACTIVITY_SLOT_MS);
      analyzer.analyse(loud, 0, 160, T0 + (slots + 5000) * ACTIVITY_SLOT_MS + 20);
      expect(analyzer.takeActivity(true)).toEqual({
        from: T0 + (slots + 5000) * ACTIVITY_SLOT_MS,
        slots: '1',
      });
    });
  });
});
