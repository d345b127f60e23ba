import { SeamFrame, TrackSeam } from './track-seam';

/** Frame `index` of a run of 20 ms frames at 8 kHz, captured from `startedAt`. */
const frame = (runId: string, index: number, startedAt = 1_000_000): SeamFrame => ({
  runId,
  timestamp: index * 160,
  capturedAt: startedAt + index * 20,
});
const frames = (runId: string, from: number, to: number, startedAt?: number) =>
  Array.from({ length: to - from }, (_, i) => frame(runId, from + i, startedAt));
const indexes = (list: SeamFrame[]) => list.map((f) => `${f.runId}:${f.timestamp / 160}`);

describe('TrackSeam: recent audio, then live, no gap and no duplicate', () => {
  it('holds live frames until the history comes, then lets through those after it', () => {
    const seam = new TrackSeam<SeamFrame>();
    // Live from frame 95 on (subscribed), history up to 99 (asked a moment later).
    for (const live of frames('a', 95, 103)) expect(seam.live(live)).toBe(false);
    expect(seam.held).toBe(8);
    const joined = seam.join(frames('a', 50, 100));
    expect(indexes(joined)).toEqual(indexes(frames('a', 50, 103)));
    expect(seam.live(frame('a', 103))).toBe(true);
  });

  it('drops a live frame delivered twice, or older than what was let through', () => {
    const seam = new TrackSeam<SeamFrame>();
    seam.join(frames('a', 0, 10));
    expect(seam.live(frame('a', 9))).toBe(false);
    expect(seam.live(frame('a', 10))).toBe(true);
    expect(seam.live(frame('a', 10))).toBe(false);
    expect(seam.live(frame('a', 4))).toBe(false);
  });

  it('lets a gap the gateway published through as it is: lost audio is no duplicate', () => {
    const seam = new TrackSeam<SeamFrame>();
    seam.live(frame('a', 12));
    expect(indexes(seam.join(frames('a', 0, 10)))).toEqual(
      indexes([...frames('a', 0, 10), frame('a', 12)]),
    );
  });

  it('joins a re-tap (a new run) by capture time: the new run continues after the old one', () => {
    const seam = new TrackSeam<SeamFrame>();
    // Run a ends at frame 49 (captured 1_000_980); run b starts 400 ms later, from 0.
    const bStart = 1_000_000 + 50 * 20 + 400;
    for (const live of frames('b', 0, 5, bStart)) seam.live(live);
    const joined = seam.join([...frames('a', 30, 50), ...frames('b', 0, 3, bStart)]);
    expect(indexes(joined)).toEqual(
      indexes([...frames('a', 30, 50), ...frames('b', 0, 5, bStart)]),
    );
    // A late frame of the old run is still new audio of that run; an older one is not.
    expect(seam.live(frame('a', 50))).toBe(true);
    expect(seam.live(frame('a', 45))).toBe(false);
  });

  it('leaves out a run not seen yet whose audio is older than what was let through', () => {
    const seam = new TrackSeam<SeamFrame>();
    seam.join(frames('b', 0, 10, 2_000_000));
    // Frames of a run the history did not hold, captured before its end: already covered.
    expect(seam.live(frame('a', 90, 2_000_000 - 90 * 20 + 100))).toBe(false);
    // Once that run's audio is newer than anything let through, it comes.
    expect(seam.live(frame('a', 200, 2_000_000 - 90 * 20 + 100))).toBe(true);
  });

  it('with no history, lets every held live frame through once, in order', () => {
    const seam = new TrackSeam<SeamFrame>();
    for (const live of [...frames('a', 0, 3), frame('a', 1)]) seam.live(live);
    expect(indexes(seam.join([]))).toEqual(indexes(frames('a', 0, 3)));
  });
});
