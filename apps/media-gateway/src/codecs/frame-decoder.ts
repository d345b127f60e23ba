import type { SourceCodec } from '@asb/contracts';

/**
 * Turns the payload of one 20 ms RTP packet of a stream into PCM16 samples in host order (little
 * endian on every platform @asb/rtp accepts). One decoder per stream: some keep state across
 * frames (the upsampler's last sample) and scratch memory, so decoding allocates nothing.
 */
export interface FrameDecoder {
  readonly codec: SourceCodec;
  /** Rate of the decoded samples, which may differ from the codec's when upsampling. */
  readonly sampleRate: 8000 | 16000;
  readonly samplesPerFrame: number;
  /** Reads the codec's fixed payload size at `payloadOffset`; the receiver has checked it fits. */
  decode(packet: Buffer, payloadOffset: number, out: Int16Array, outOffset: number): void;
}
