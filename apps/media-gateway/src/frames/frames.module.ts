import { Module } from '@nestjs/common';
import { FramePublisher } from './frame-publisher';

@Module({
  providers: [FramePublisher],
  exports: [FramePublisher],
})
export class FramesModule {}
