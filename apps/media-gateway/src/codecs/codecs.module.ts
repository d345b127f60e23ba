import { Module } from '@nestjs/common';
import { FrameDecoderFactory } from './frame-decoder.factory';

@Module({
  providers: [FrameDecoderFactory],
  exports: [FrameDecoderFactory],
})
export class CodecsModule {}
