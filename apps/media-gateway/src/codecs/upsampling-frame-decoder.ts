import { upsample8kTo16kInto, UpsamplerState } from '@asb/rtp';
import type { FrameDecoder } from './frame-decoder';

/** An 8 kHz decoder followed by @asb/rtp's linear upsampler, for consumers that take only 16 kHz. */
export class UpsamplingFrameDecoder implements FrameDecoder {
  readonly sampleRate = 16000;
  readonly samplesPerFrame: number;
  private readonly narrowband: Int16Array;
  /** Carries the last sample across frames, so interpolation does not click at frame edges. */
  private readonly state: UpsamplerState = { last: 0 };

  constructor(private readonly source: FrameDecoder) {
    this.samplesPerFrame = source.samplesPerFrame * 2;
    this.narrowband = new Int16Array(source.samplesPerFrame);
  }

  get codec() {
    return this.source.codec;
  }

  decode(packet: Buffer, payloadOffset: number, out: Int16Array, outOffset: number): void {
    this.source.decode(packet, payloadOffset, this.narrowband, 0);
    upsample8kTo16kInto(this.narrowband, this.narrowband.length, out, outOffset, this.state);
  }
}
