import { Module } from '@nestjs/common';
import { RecentAudioService } from './recent-audio.service';

@Module({
  providers: [RecentAudioService],
  exports: [RecentAudioService],
})
export class RecentAudioModule {}
