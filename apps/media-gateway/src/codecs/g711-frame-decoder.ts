import type { SourceCodec } from '@asb/contracts';
import { alawDecode, ASTERISK_RTP_FORMATS, ulawDecode } from '@asb/rtp';
import type { FrameDecoder } from './frame-decoder';

/**
 * G.711 u-law or a-law through @asb/rtp's 256-entry tables, one byte per sample. It reads the
 * payload where it lies in the datagram: @asb/rtp's decodeUlawInto/decodeAlawInto take the payload
 * as its own Buffer, which would cost a subarray per packet.
 */
export class G711FrameDecoder implements FrameDecoder {
  readonly sampleRate = 8000;
  readonly samplesPerFrame: number;
  private readonly decodeByte: (byte: number) => number;

  constructor(readonly codec: Extract<SourceCodec, 'ulaw' | 'alaw'>) {
    this.samplesPerFrame = ASTERISK_RTP_FORMATS[codec].samplesPerPacket;
    this.decodeByte = codec === 'ulaw' ? ulawDecode : alawDecode;
  }

  decode(packet: Buffer, payloadOffset: number, out: Int16Array, outOffset: number): void {
    const decodeByte = this.decodeByte;
    for (let i = 0; i < this.samplesPerFrame; i += 1) {
      out[outOffset + i] = decodeByte(packet[payloadOffset + i]);
    }
  }
}
