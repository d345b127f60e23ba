import type { AudioFrame } from '@asb/contracts';
import { TrackTimeline } from './track-timeline';

function frame(timestamp: number, capturedAt?: number): AudioFrame {
  return {
    sequence: timestamp / 160,
    timestamp,
    sampleRate: 8000,
    codec: 'ulaw',
    frameMs: 20,
    capturedAt,
    pcm: new Uint8Array(320),
  };
}

describe('TrackTimeline', () => {
  it('places frames at their capture time, across a re-tap, whenever they arrive', () => {
    const startedAt = performance.now() - 10_000;
    const timeline = new TrackTimeline(startedAt);
    const wallAtStart = performance.timeOrigin + startedAt;
    const now = performance.now();
    // Captured 2 s into the stream, read only now.
    expect(timeline.place(frame(0, wallAtStart + 2000), now)).toBeGreaterThanOrEqual(1998);
    expect(timeline.place(frame(0, wallAtStart + 2000), now)).toBeLessThanOrEqual(2002);
    // A re-tap: the timestamp starts at 0 again, the capture time goes on (a 3 s outage).
    const retapped = timeline.place(frame(0, wallAtStart + 5000), now);
    expect(retapped).toBeGreaterThanOrEqual(4998);
    expect(retapped).toBeLessThanOrEqual(5002);
  });

  it('never places a run after it arrived, and follows its timestamps from there', () => {
    const startedAt = performance.now() - 1000;
    const timeline = new TrackTimeline(startedAt);
    const arrived = performance.now();
    const wallNow = performance.timeOrigin + performance.now();
    const first = timeline.place(frame(0, wallNow + 60_000), arrived);
    expect(first).toBe(Math.round(arrived - startedAt));
    // Within the run the sample timestamp counts, not the capture time's jitter.
    expect(timeline.place(frame(160, wallNow - 900), performance.now())).toBe(first + 20);
  });

  it('places frames without a capture time by arrival, then by timestamp', () => {
    const timeline = new TrackTimeline(0);
    expect(timeline.place(frame(0), 500)).toBe(500);
    expect(timeline.place(frame(1600), 520)).toBe(700);
  });
});
