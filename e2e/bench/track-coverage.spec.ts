import { gaps, totalMs, TrackCoverage } from './track-coverage';

/** Frames of 160 samples at 8 kHz (20 ms), sent as captured and delivered `delayMs` later. */
function deliver(
  coverage: TrackCoverage,
  capturedFromMs: number,
  frames: number,
  { sequence = 0, timestamp = 0, delayMs = 5, skip = new Set<number>() } = {},
): void {
  for (let i = 0; i < frames; i += 1) {
    if (skip.has(i)) continue;
    coverage.add(sequence + i, timestamp + i * 160, 160, 8000, capturedFromMs + i * 20 + delayMs);
  }
}

describe('TrackCoverage', () => {
  it('covers an unbroken stream from its first capture to its last', () => {
    const coverage = new TrackCoverage();
    deliver(coverage, 1000, 50);
    expect(totalMs(gaps(coverage.intervals(), [1000, 2000]))).toBeCloseTo(5, 0);
  });

  it('counts frames the gateway skipped, and not frames delivered late', () => {
    const coverage = new TrackCoverage();
    deliver(coverage, 0, 100, { skip: new Set([10, 11, 12]) });
    // A NATS stall: 2 s of frames arrive at once after it, then frames come on time again.
    for (let i = 0; i < 150; i += 1)
      coverage.add(100 + i, 16_000 + i * 160, 160, 8000, Math.max(2000 + i * 20, 4000 + i) + 5);
    expect(totalMs(gaps(coverage.intervals(), [100, 5000]))).toBeCloseTo(60, 0);
  });

  it('re-anchors a stream whose sample time stood still through an outage', () => {
    const coverage = new TrackCoverage();
    deliver(coverage, 0, 100);
    // A new RTP stream into the same allocation 3 s later: sequence and timestamp go on as if
    // nothing had happened.
    deliver(coverage, 5000, 100, { sequence: 100, timestamp: 16_000 });
    expect(gaps(coverage.intervals(), [5, 7005])).toEqual([[2005, 5005]]);
  });

  it('places a new stream (a re-tap) on its own anchor and counts the gap between', () => {
    const coverage = new TrackCoverage();
    deliver(coverage, 0, 100);
    deliver(coverage, 5000, 100);
    const covered = coverage.intervals();
    expect(totalMs(gaps(covered, [0, 7000]))).toBeCloseTo(3000 + 5, 0);
    const [[start, end]] = gaps(covered, [500, 7000]);
    expect([start, end]).toEqual([2005, 5005]);
  });

  it('counts audio two simultaneous taps both delivered once', () => {
    const coverage = new TrackCoverage();
    for (let i = 0; i < 100; i += 1) {
      coverage.add(i, i * 160, 160, 8000, i * 20 + 5);
      coverage.add(i, 320 + i * 160, 160, 8000, 40 + i * 20 + 7);
    }
    expect(totalMs(gaps(coverage.intervals(), [5, 2005]))).toBeCloseTo(0, 0);
  });

  it('reports a window with no frame at all as one gap', () => {
    const coverage = new TrackCoverage();
    deliver(coverage, 0, 10);
    expect(gaps(coverage.intervals(), [1000, 3000])).toEqual([[1000, 3000]]);
    expect(gaps(new TrackCoverage().intervals(), [0, 10])).toEqual([[0, 10]]);
  });
});
