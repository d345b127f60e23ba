import type { TrendPoint } from '@asb/contracts';

/** Every this often the live counts are sampled into the trend. */
export const TREND_SAMPLE_MS = 5000;
/** One day of samples. */
export const TREND_CAPACITY = (24 * 3600 * 1000) / TREND_SAMPLE_MS;

/** A fixed-size ring of samples: memory stays flat however long the replica runs. */
export class TrendRing {
  private readonly points: Array<TrendPoint | undefined>;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.points = new Array<TrendPoint | undefined>(capacity);
  }

  push(point: TrendPoint): void {
    this.points[this.next] = point;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Points at or after `sinceMs`, oldest first. */
  since(sinceMs: number): TrendPoint[] {
    const out: TrendPoint[] = [];
    for (let i = 0; i < this.count; i += 1) {
      const point = this.points[(this.next - this.count + i + this.capacity) % this.capacity];
      if (point && Date.parse(point.at) >= sinceMs) out.push(point);
    }
    return out;
  }
}
