/** 64 KiB: about a hundred 20 ms frames at 16 kHz per allocation. */
const CHUNK_SAMPLES = 32 * 1024;

/**
 * Memory for outgoing PCM frames, carved from large chunks and never handed out twice.
 *
 * Never reused, because nats.js 2.29 does not copy a payload at publish time: `publish()` pushes
 * the caller's Uint8Array itself onto its outbound list (protocol.js `sendCommand` ->
 * DataBuffer.fill), and only copies it when that list is packed for a socket write, in a later
 * microtask, or, while the client is reconnecting, whenever the connection comes back. A reused
 * buffer would change frames already queued. Carving replaces one Buffer allocation per frame
 * with one view per frame, and lets decoders write straight into the frame, with no copy.
 */
export class PcmFrameSlab {
  private chunk = new Int16Array(CHUNK_SAMPLES);
  private used = 0;

  /** Where samples go; reserve() may switch it to a new chunk, so read it after reserving. */
  get samples(): Int16Array {
    return this.chunk;
  }

  /** Reserves `count` samples in `samples` and returns the index of the first. */
  reserve(count: number): number {
    if (this.used + count > this.chunk.length) {
      this.chunk = new Int16Array(Math.max(CHUNK_SAMPLES, count));
      this.used = 0;
    }
    const offset = this.used;
    this.used += count;
    return offset;
  }

  /** The bytes of `count` samples from `offset` of the current chunk, as a frame payload. */
  payload(offset: number, count: number): Buffer {
    return Buffer.from(this.chunk.buffer, offset * 2, count * 2);
  }
}
