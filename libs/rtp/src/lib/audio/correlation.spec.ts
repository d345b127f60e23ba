import { correlation } from './correlation';

/** Deterministic noise, so the "unrelated" case cannot flake. */
function noise(length: number, seed: number): Int16Array {
  let state = seed;
  return Int16Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 16) - 32768;
  });
}

const speechLike = Int16Array.from({ length: 8000 }, (_, i) =>
  Math.round(9000 * Math.sin(i / 7) + 4000 * Math.sin(i / 3.1) + 700 * Math.sin(i * 1.7)),
);

describe('correlation', () => {
  it('is 1 for identical signals and for the same signal at another gain and offset', () => {
    expect(correlation(speechLike, speechLike)).toBeCloseTo(1, 12);
    const scaled = speechLike.map((s) => Math.round(s / 3) + 500);
    expect(correlation(speechLike, scaled)).toBeGreaterThan(0.9999);
  });

  it('is -1 for an inverted signal', () => {
    expect(
      correlation(
        speechLike,
        speechLike.map((s) => -s),
      ),
    ).toBeCloseTo(-1, 12);
  });

  it('is about 0 for unrelated noise', () => {
    expect(Math.abs(correlation(noise(48000, 1), noise(48000, 2)))).toBeLessThan(0.03);
    expect(Math.abs(correlation(speechLike, noise(8000, 3)))).toBeLessThan(0.05);
  });

  it('compares only the length of the shorter signal', () => {
    const longer = new Int16Array(12000);
    longer.set(speechLike);
    longer.set(noise(4000, 4), 8000);
    expect(correlation(speechLike, longer)).toBeCloseTo(1, 12);
    expect(correlation(longer, speechLike)).toBeCloseTo(1, 12);
  });

  it('is 0 when either side is constant or empty', () => {
    expect(correlation(speechLike, new Int16Array(8000))).toBe(0);
    expect(correlation(new Int16Array(8000).fill(300), speechLike)).toBe(0);
    expect(correlation(new Int16Array(0), speechLike)).toBe(0);
  });

  it('stays exact over ten minutes of full-scale audio', () => {
    const long = Int16Array.from(
      { length: 8000 * 600 },
      (_, i) => (i % 2 ? 32767 : -32767) + (i % 3),
    );
    expect(correlation(long, long)).toBe(1);
  });
});
