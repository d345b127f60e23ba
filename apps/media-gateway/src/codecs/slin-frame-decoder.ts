import type { SourceCodec } from '@asb/contracts';
import { ASTERISK_RTP_FORMATS } from '@asb/rtp';
import type { FrameDecoder } from './frame-decoder';

/**
 * Asterisk's big-endian slin/slin16: a native copy into scratch memory, a native byte swap, and
 * a native copy out, as @asb/rtp's slinBeToPcm16Into does; that one takes the payload as its own
 * Buffer and builds a view per call, two objects per packet this avoids.
 */
export class SlinFrameDecoder implements FrameDecoder {
  readonly sampleRate: 8000 | 16000;
  readonly samplesPerFrame: number;
  private readonly payloadBytes: number;
  private readonly scratchBytes: Buffer;
  private readonly scratchSamples: Int16Array;

  constructor(readonly codec: Extract<SourceCodec, 'slin' | 'slin16'>) {
    const profile = ASTERISK_RTP_FORMATS[codec];
    this.sampleRate = profile.sampleRate === 16000 ? 16000 : 8000;
    this.samplesPerFrame = profile.samplesPerPacket;
    this.payloadBytes = profile.payloadBytes;
    this.scratchSamples = new Int16Array(this.samplesPerFrame);
    this.scratchBytes = Buffer.from(this.scratchSamples.buffer);
  }

  decode(packet: Buffer, payloadOffset: number, out: Int16Array, outOffset: number): void {
    packet.copy(this.scratchBytes, 0, payloadOffset, payloadOffset + this.payloadBytes);
    this.scratchBytes.swap16();
    out.set(this.scratchSamples, outOffset);
  }
}
