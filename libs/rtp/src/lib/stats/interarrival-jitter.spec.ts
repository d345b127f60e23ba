import { InterarrivalJitter } from './interarrival-jitter';

describe('InterarrivalJitter', () => {
  it('matches a hand-computed RFC 3550 estimate', () => {
    // 8 kHz, 20 ms packets; the third arrives 5 ms late. Transit in timestamp units: 0, 0, 40, 0,
    // so D = 0, 40, 40 and J = 0, 0 + 40/16 = 2.5, 2.5 + (40 - 2.5)/16 = 4.84375.
    const jitter = new InterarrivalJitter(8000);
    for (const [timestamp, arrivalMs] of [
      [0, 0],
      [160, 20],
      [320, 45],
      [480, 60],
    ]) {
      jitter.update(timestamp, arrivalMs);
    }
    expect(jitter.jitter).toBeCloseTo(4.84375, 10);
    expect(jitter.jitterMs()).toBeCloseTo(0.60546875, 10);
  });

  it('reads 0 for perfectly paced packets, whatever the constant transit delay', () => {
    const jitter = new InterarrivalJitter(16000);
    for (let i = 0; i < 100; i += 1) jitter.update(1000 + i * 320, 12345.678 + i * 20);
    expect(jitter.jitter).toBeCloseTo(0, 9);
  });

  it('stays at 0 when the timestamp wraps past 2^32', () => {
    const jitter = new InterarrivalJitter(8000);
    [2 ** 32 - 320, 2 ** 32 - 160, 0, 160].forEach((ts, i) => jitter.update(ts, i * 20));
    expect(jitter.jitter).toBeCloseTo(0, 9);
  });

  it('converts to milliseconds with its clock rate', () => {
    const jitter = new InterarrivalJitter(16000);
    jitter.update(0, 0);
    jitter.update(320, 36); // 16 ms late: D = 256 units, J = 16 units = 1 ms
    expect(jitter.jitter).toBeCloseTo(16, 10);
    expect(jitter.jitterMs()).toBeCloseTo(1, 10);
  });

  it('counts a reordered packet by its own timestamp', () => {
    const jitter = new InterarrivalJitter(8000);
    jitter.update(0, 0);
    jitter.update(320, 40);
    // Arrives 1 ms (8 units) after a packet whose timestamp is 160 units later: D = 8 + 160.
    jitter.update(160, 41);
    expect(jitter.jitter).toBeCloseTo(168 / 16, 10);
  });

  it('forgets the old timestamp base on reset', () => {
    const jitter = new InterarrivalJitter(8000);
    jitter.update(0, 0);
    jitter.update(160, 30);
    jitter.reset();
    jitter.update(999_999, 100);
    jitter.update(999_999 + 160, 120);
    expect(jitter.jitter).toBe(0);
  });

  it('refuses a clock rate that is not positive', () => {
    expect(() => new InterarrivalJitter(0)).toThrow(RangeError);
  });
});
