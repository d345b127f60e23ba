/** What the seam reads of a frame: its run, its sample time and its capture time. */
export interface SeamFrame {
  timestamp: number;
  runId?: string;
  capturedAt?: number;
}

/**
 * Where a track's recent audio (oldest first) meets its live frames, with no gap and no
 * duplicate. Live frames are subscribed to before the history is asked for, so the two overlap;
 * live frames wait here until the history has come, then each frame is let through once:
 *
 * - a frame of a run already let through comes only if its Audio-Timestamp is beyond the last
 *   one of that run (the gateway numbers a run's samples without gaps but for lost audio);
 * - a frame of a run not seen yet (a re-tap: Audio-Timestamp starts again at 0) comes only if it
 *   was captured after the newest audio let through (Audio-Captured-At), so a run the history
 *   already covers is not played twice.
 */
export class TrackSeam<F extends SeamFrame> {
  private readonly waiting: F[] = [];
  private joined = false;
  /** The newest Audio-Timestamp let through, per run ('' for frames without a run). */
  private readonly lastTimestamps = new Map<string, number>();
  private newestCapturedAt = -Infinity;

  /** Whether the history has come (from then on live frames are not held). */
  get isJoined(): boolean {
    return this.joined;
  }

  /** Live frames held while the history is awaited. */
  get held(): number {
    return this.waiting.length;
  }

  /**
   * A live frame. Before join(): held, and false. After: whether it is new (not a duplicate of
   * what was let through), to be used now.
   */
  live(frame: F): boolean {
    if (!this.joined) {
      this.waiting.push(frame);
      return false;
    }
    return this.admit(frame);
  }

  /**
   * The history has come (empty when there is none): returns it, oldest first, followed by the
   * held live frames that come after it, each once. Live frames are let through from now on.
   */
  join(history: readonly F[]): F[] {
    this.joined = true;
    const joined: F[] = [];
    for (const frame of history) if (this.admit(frame)) joined.push(frame);
    for (const frame of this.waiting) if (this.admit(frame)) joined.push(frame);
    this.waiting.length = 0;
    return joined;
  }

  private admit(frame: F): boolean {
    const run = frame.runId ?? '';
    const last = this.lastTimestamps.get(run);
    if (last !== undefined) {
      if (frame.timestamp <= last) return false;
    } else if (frame.capturedAt !== undefined && frame.capturedAt <= this.newestCapturedAt) {
      return false;
    }
    this.lastTimestamps.set(run, frame.timestamp);
    if (frame.capturedAt !== undefined && frame.capturedAt > this.newestCapturedAt) {
      this.newestCapturedAt = frame.capturedAt;
    }
    return true;
  }
}
