import type { AudioFrame } from '@asb/contracts';

/**
 * Places a track's frames on the stream's timeline (milliseconds since the stream started, on
 * the performance.now() clock of `streamStartedAt`). Each tap run is anchored where its first
 * frame was captured (Audio-Captured-At, never after it arrived; its arrival for a producer
 * without one) and followed by its sample timestamps from there, which are exact where capture
 * times jitter by a millisecond or two. So every track and every re-tap of a call lines up, and
 * lost audio or a re-tap's outage shows as a jump. A new run is a new Audio-Run-Id, or a
 * timestamp that goes backwards. Times never go backwards within a track.
 */
export class TrackTimeline {
  private baseMs = -1;
  private firstTimestamp = 0;
  private lastTimestamp = -1;
  private runId?: string;
  private lastMs = 0;

  constructor(private readonly streamStartedAt: number) {}

  place(frame: AudioFrame, receivedAt: number): number {
    if (this.baseMs < 0 || frame.runId !== this.runId || frame.timestamp <= this.lastTimestamp) {
      const startedAt =
        frame.capturedAt === undefined
          ? receivedAt
          : Math.min(frame.capturedAt - performance.timeOrigin, receivedAt);
      this.baseMs = Math.max(0, Math.round(startedAt - this.streamStartedAt));
      this.firstTimestamp = frame.timestamp;
      this.runId = frame.runId;
    }
    this.lastTimestamp = frame.timestamp;
    const placed =
      this.baseMs + Math.round(((frame.timestamp - this.firstTimestamp) * 1000) / frame.sampleRate);
    this.lastMs = Math.max(this.lastMs, placed);
    return this.lastMs;
  }
}
