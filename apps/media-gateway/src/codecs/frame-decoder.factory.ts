import { Injectable } from '@nestjs/common';
import type { SourceCodec } from '@asb/contracts';
import type { FrameDecoder } from './frame-decoder';
import { G711FrameDecoder } from './g711-frame-decoder';
import { SlinFrameDecoder } from './slin-frame-decoder';
import { SlinLeFrameDecoder } from './slin-le-frame-decoder';
import { UpsamplingFrameDecoder } from './upsampling-frame-decoder';

@Injectable()
export class FrameDecoderFactory {
  /** `resampleTo16k` upsamples 8 kHz codecs and leaves slin16, already 16 kHz, as it is. */
  create(codec: SourceCodec, resampleTo16k: boolean): FrameDecoder {
    const decoder =
      codec === 'ulaw' || codec === 'alaw'
        ? new G711FrameDecoder(codec)
        : new SlinFrameDecoder(codec);
    return this.widened(decoder, resampleTo16k);
  }

  /** For AudioSocket's 20 ms frames of little-endian slin (Asterisk 18 sends nothing else). */
  createAudioSocket(resampleTo16k: boolean): FrameDecoder {
    return this.widened(new SlinLeFrameDecoder(), resampleTo16k);
  }

  private widened(decoder: FrameDecoder, resampleTo16k: boolean): FrameDecoder {
    return resampleTo16k && decoder.sampleRate === 8000
      ? new UpsamplingFrameDecoder(decoder)
      : decoder;
  }
}
