/**
 * The samples of a PCM16LE payload as an Int16Array: a view when the payload starts on an even
 * byte offset (the usual case for NATS message payloads), a copy otherwise. The hosts this runs
 * on (x86-64, arm64) are little-endian, so the view reads the samples in the wire's byte order.
 */
export function pcm16View(bytes: Uint8Array): Int16Array {
  const samples = bytes.byteLength >> 1;
  if ((bytes.byteOffset & 1) === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, samples);
  const copy = new Int16Array(samples);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, samples * 2));
  return copy;
}
