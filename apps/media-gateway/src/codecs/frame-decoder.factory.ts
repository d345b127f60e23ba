import { Injectable } from '@nestjs/common';
import type { SourceCodec } from '@asb/contracts';
import type { FrameDecoder } from './frame-decoder';
import { G711FrameDecoder } from './g711-frame-decoder';
import { SlinFrameDecoder } from './slin-frame-decoder';
import { UpsamplingFrameDecoder } from './upsampling-frame-decoder';

@Injectable()
export class FrameDecoderFactory {
  /** `resampleTo16k` upsamples 8 kHz codecs and leaves slin16, already 16 kHz, as it is. */
  create(codec: SourceCodec, resampleTo16k: boolean): FrameDecoder {
    const decoder =
      codec === 'ulaw' || codec === 'alaw'
        ? new G711FrameDecoder(codec)
        : new SlinFrameDecoder(codec);
    return resampleTo16k && decoder.sampleRate === 8000
      ? new UpsamplingFrameDecoder(decoder)
      : decoder;
  }
}
