/**
 * Waits between reconnection attempts: from `minMs`, doubling per failed attempt up to `maxMs`,
 * each drawn from [50 %, 100 %] of that so streams that dropped together do not return together.
 * A connection that stayed up for `stableMs` starts the sequence again.
 */
export class ReconnectBackoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly stableMs = 5000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 20));
    this.attempt += 1;
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }

  /** The connection that just ended had stayed up this long. */
  connectionLasted(ms: number): void {
    if (ms >= this.stableMs) this.attempt = 0;
  }
}
