import { correlation } from '@asb/rtp';
import { Pcm16Resampler } from './pcm16-resampler';

function tone(rate: number, samples: number, frequency = 300, offset = 0): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i += 1) {
    out[i] = Math.round(10000 * Math.sin((2 * Math.PI * frequency * (i + offset)) / rate));
  }
  return out;
}

/** Runs a signal through the resampler in frames of `frame` samples, as a stream would. */
function streamThrough(resampler: Pcm16Resampler, input: Int16Array, frame: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let i = 0; i < input.length; i += frame) {
    const chunk = input.subarray(i, i + frame);
    const out = new Int16Array(resampler.maxOutput(chunk.length));
    parts.push(out.slice(0, resampler.process(chunk, out)));
  }
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const joined = new Int16Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

describe('Pcm16Resampler', () => {
  it.each([
    [8000, 16000],
    [8000, 24000],
    [8000, 48000],
    [16000, 24000],
    [16000, 48000],
    [16000, 8000],
    [8000, 8000],
  ])(
    'converts %i Hz to %i Hz across frame boundaries with the right length and shape',
    (from, to) => {
      const seconds = 2;
      const input = tone(from, from * seconds);
      const output = streamThrough(new Pcm16Resampler(from, to), input, from / 50);
      // Exact fractions: the count never drifts by more than a sample over the whole stream.
      // (the last input sample waits for the next frame to be interpolated from).
      expect(to * seconds - output.length).toBeLessThanOrEqual(Math.ceil(to / from));
      expect(to * seconds - output.length).toBeGreaterThanOrEqual(-1);
      const expected = tone(to, output.length);
      // Up to a sample of delay from interpolation and filtering: compare at the best small lag.
      const best = Math.max(...[0, 1, 2].map((lag) => correlation(output.subarray(lag), expected)));
      expect(best).toBeGreaterThan(0.99);
    },
  );

  it('keeps silence silent and a constant constant', () => {
    const resampler = new Pcm16Resampler(8000, 24000);
    const out = new Int16Array(resampler.maxOutput(160));
    const count = resampler.process(new Int16Array(160).fill(1234), out);
    expect([...out.subarray(3, count)].every((v) => v === 1234)).toBe(true);
  });

  it('damps what lies above the new Nyquist frequency when going down', () => {
    const high = tone(16000, 16000, 7000);
    const out = streamThrough(new Pcm16Resampler(16000, 8000), high, 320);
    const rms = Math.sqrt(out.reduce((sum, v) => sum + v * v, 0) / out.length);
    expect(rms).toBeLessThan(10000 / Math.SQRT2 / 4);
  });

  it('refuses nonsense rates', () => {
    expect(() => new Pcm16Resampler(0, 8000)).toThrow(RangeError);
    expect(() => new Pcm16Resampler(8000, 1.5)).toThrow(RangeError);
  });
});
