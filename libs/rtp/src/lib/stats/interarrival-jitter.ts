/**
 * RFC 3550 interarrival jitter (§6.4.1, appendix A.8): a running mean of how much each packet's
 * transit time differs from the previous packet's, with gain 1/16, in timestamp units. Feed every
 * packet in arrival order, reordered ones included, as the RFC does.
 */
export class InterarrivalJitter {
  private started = false;
  private lastTimestamp = 0;
  /** Arrival of the previous packet, in timestamp units. */
  private lastArrival = 0;
  private estimate = 0;

  constructor(private readonly clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError(`clock rate must be positive, got ${clockRate}`);
  }

  /** `arrivalMs` from any monotonic clock, e.g. performance.now(). */
  update(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    if (this.started) {
      // The signed 32-bit difference stays right when the timestamp wraps past 2^32.
      const timestampDelta = (rtpTimestamp - this.lastTimestamp) | 0;
      const transitChange = Math.abs(arrival - this.lastArrival - timestampDelta);
      this.estimate += (transitChange - this.estimate) / 16;
    }
    this.started = true;
    this.lastTimestamp = rtpTimestamp;
    this.lastArrival = arrival;
  }

  /** In timestamp units, as RTCP reports it. */
  get jitter(): number {
    return this.estimate;
  }

  jitterMs(): number {
    return (this.estimate * 1000) / this.clockRate;
  }

  /**
   * Forgets the stream, e.g. after SequenceTracker reports `restart`: the new timestamp base
   * would otherwise count as one enormous transit change.
   */
  reset(): void {
    this.started = false;
    this.estimate = 0;
  }
}
