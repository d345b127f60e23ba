/** A ring of 16-bit samples with a fixed capacity; pushing past it drops the oldest samples. */
export class SampleFifo {
  private readonly ring: Int16Array;
  private head = 0;
  private size = 0;
  /** Samples dropped because the ring was full. */
  overflowed = 0;

  constructor(capacity: number) {
    this.ring = new Int16Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(samples: Int16Array, count = samples.length): void {
    const capacity = this.ring.length;
    for (let i = this.makeRoom(count); i < count; i += 1) {
      this.ring[(this.head + this.size) % capacity] = samples[i];
      this.size += 1;
    }
  }

  /** Appends `count` samples of silence, as push() would. */
  pushSilence(count: number): void {
    const capacity = this.ring.length;
    for (let i = this.makeRoom(count); i < count; i += 1) {
      this.ring[(this.head + this.size) % capacity] = 0;
      this.size += 1;
    }
  }

  /**
   * Drops the oldest samples so that `count` more fit, counting them as overflowed; returns how
   * many of the new ones do not fit at all (the first ones, skipped).
   */
  private makeRoom(count: number): number {
    const capacity = this.ring.length;
    const skipped = Math.max(0, count - capacity);
    const excess = this.size + (count - skipped) - capacity;
    if (excess > 0) {
      this.head = (this.head + excess) % capacity;
      this.size -= excess;
    }
    this.overflowed += skipped + Math.max(0, excess);
    return skipped;
  }

  /**
   * Moves up to `count` samples out, writing each at out[offset + k * stride] (stride 2 writes
   * one channel of interleaved stereo); the rest of the `count` slots are set to silence.
   */
  take(count: number, out: Int16Array, offset: number, stride: number): void {
    const capacity = this.ring.length;
    const available = Math.min(count, this.size);
    for (let k = 0; k < available; k += 1) {
      out[offset + k * stride] = this.ring[(this.head + k) % capacity];
    }
    for (let k = available; k < count; k += 1) out[offset + k * stride] = 0;
    this.head = (this.head + available) % capacity;
    this.size -= available;
  }
}
