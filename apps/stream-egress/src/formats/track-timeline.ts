import type { AudioFrame } from '@asb/contracts';

/**
 * Places a track's frames on the stream's timeline (milliseconds since the stream started, on
 * the performance.now() clock of `streamStartedAt`). A frame with a capture time
 * (Audio-Captured-At) goes where it was captured, never after it arrived: every track of a call
 * then lines up, whichever gateway or tap run it came from, and lost audio or a re-tap's outage
 * shows as a jump. A frame without one is placed the old way: the first at its arrival, every
 * later one by its sample timestamp, anew when the timestamp goes backwards (a restarted tap).
 * Times never go backwards within a track.
 */
export class TrackTimeline {
  private baseMs = -1;
  private firstTimestamp = 0;
  private lastTimestamp = -1;
  private lastMs = 0;

  constructor(private readonly streamStartedAt: number) {}

  place(frame: AudioFrame, receivedAt: number): number {
    const placed =
      frame.capturedAt === undefined
        ? this.byTimestamp(frame, receivedAt)
        : Math.round(
            Math.min(frame.capturedAt - performance.timeOrigin, receivedAt) - this.streamStartedAt,
          );
    this.lastMs = Math.max(this.lastMs, placed);
    return this.lastMs;
  }

  private byTimestamp(frame: AudioFrame, receivedAt: number): number {
    if (this.baseMs < 0 || frame.timestamp <= this.lastTimestamp) {
      this.baseMs = Math.max(0, Math.round(receivedAt - this.streamStartedAt));
      this.firstTimestamp = frame.timestamp;
    }
    this.lastTimestamp = frame.timestamp;
    return (
      this.baseMs + Math.round(((frame.timestamp - this.firstTimestamp) * 1000) / frame.sampleRate)
    );
  }
}
