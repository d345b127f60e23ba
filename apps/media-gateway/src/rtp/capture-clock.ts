/** How long one estimate of the mapping lasts; it is the least of the last one to two windows. */
const WINDOW_MS = 1000;
/**
 * A packet that came this much later than the mapping says is not late: the sender's RTP clock
 * went back (or a stall outlasted every window). The mapping starts over from it.
 */
const RESET_AFTER_MS = 5000;

/**
 * Estimates the wall-clock time at which the sender captured a packet's first sample, from when
 * packets arrive and their RTP timestamps. A packet arrives its capture time plus a delay
 * (network, the sender's and our queues) that never falls below some least value, so the packet
 * that came fastest fixes the mapping from RTP time to wall-clock time best: the estimate is the
 * least `arrival - rtpTime` of the last one to two seconds. A burst of packets read late (a busy
 * gateway, a queue on the way) does not move it; the window lets it follow the sender's clock
 * drift. The estimate is early by that least delay (about a millisecond on one network), the same
 * for every stream, so streams line up.
 *
 * RTP time, not the packet's place in the sequence, is what counts: Asterisk advances it with its
 * own clock, so a pause of the sender leaves no false gap and a sequence jump no false time.
 * Plain numbers only; nothing here allocates.
 */
export class CaptureClock {
  private started = false;
  private lastRtpTimestamp = 0;
  /** RTP time of the latest packet since the first one, in ms (continues across 32-bit wraps). */
  private rtpMs = 0;
  private windowStartedAt = 0;
  private windowLeast = Infinity;
  private previousLeast = Infinity;

  constructor(private readonly clockRate: number) {}

  /** Capture time (epoch ms) of a packet that arrived at `arrivalMs` (epoch ms). */
  stamp(rtpTimestamp: number, arrivalMs: number): number {
    if (!this.started) {
      this.started = true;
      this.rtpMs = 0;
      this.windowStartedAt = arrivalMs;
    } else {
      // Signed 32-bit distance, so a wrap or a reordered packet is a small step either way.
      this.rtpMs += (((rtpTimestamp - this.lastRtpTimestamp) | 0) * 1000) / this.clockRate;
    }
    this.lastRtpTimestamp = rtpTimestamp;
    const candidate = arrivalMs - this.rtpMs;
    if (arrivalMs - this.windowStartedAt >= WINDOW_MS) {
      this.previousLeast = this.windowLeast;
      this.windowLeast = Infinity;
      this.windowStartedAt = arrivalMs;
    }
    if (candidate < this.windowLeast) this.windowLeast = candidate;
    let anchor = Math.min(this.windowLeast, this.previousLeast);
    if (candidate - anchor > RESET_AFTER_MS) {
      this.windowLeast = candidate;
      this.previousLeast = Infinity;
      this.windowStartedAt = arrivalMs;
      anchor = candidate;
    }
    return anchor + this.rtpMs;
  }

  /** The sender renumbered its packets (a new stream into the same port): start over. */
  reset(): void {
    this.started = false;
    this.windowLeast = Infinity;
    this.previousLeast = Infinity;
  }
}
