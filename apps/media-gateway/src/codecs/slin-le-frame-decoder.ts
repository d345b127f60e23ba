import type { FrameDecoder } from './frame-decoder';

/** 20 ms of AudioSocket audio: signed linear 8 kHz. */
const SAMPLES_PER_FRAME = 160;

/**
 * AudioSocket's signed linear, little-endian (host order on every platform @asb/rtp accepts):
 * a native copy into aligned scratch memory and a native copy out, no byte swap.
 */
export class SlinLeFrameDecoder implements FrameDecoder {
  readonly codec = 'slin';
  readonly sampleRate = 8000;
  readonly samplesPerFrame = SAMPLES_PER_FRAME;
  private readonly scratchSamples = new Int16Array(SAMPLES_PER_FRAME);
  private readonly scratchBytes = Buffer.from(this.scratchSamples.buffer);

  decode(packet: Buffer, payloadOffset: number, out: Int16Array, outOffset: number): void {
    packet.copy(this.scratchBytes, 0, payloadOffset, payloadOffset + SAMPLES_PER_FRAME * 2);
    out.set(this.scratchSamples, outOffset);
  }
}
