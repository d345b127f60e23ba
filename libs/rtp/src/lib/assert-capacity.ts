/**
 * Indexed stores past the end of a typed array are silently dropped, so a short output buffer
 * would lose audio without a trace. One comparison per call, not per sample, makes it loud.
 */
export function assertCapacity(capacity: number, offset: number, needed: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + needed > capacity) {
    throw new RangeError(
      `output needs ${needed} elements at offset ${offset} but holds ${capacity}`,
    );
  }
}
