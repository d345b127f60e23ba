import type { AudioFrame } from '@asb/contracts';

/**
 * Places a track's frames on the stream's timeline (milliseconds since the stream started): the
 * first frame at its arrival time, every later one by its sample timestamp, so lost audio shows
 * as a jump. A timestamp that goes backwards means the tap restarted; the track is placed anew.
 */
export class TrackTimeline {
  private baseMs = -1;
  private firstTimestamp = 0;
  private lastTimestamp = -1;

  constructor(private readonly streamStartedAt: number) {}

  place(frame: AudioFrame, receivedAt: number): number {
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
