import { Module } from '@nestjs/common';
import { CodecsModule } from '../codecs/codecs.module';
import { FramesModule } from '../frames/frames.module';
import { RecentAudioModule } from '../recent-audio/recent-audio.module';
import { StatsModule } from '../stats/stats.module';
import { AudioSocketServer } from './audiosocket-server';
import { AudioSocketTapLookup } from './audiosocket-tap-lookup';

@Module({
  imports: [CodecsModule, FramesModule, RecentAudioModule, StatsModule],
  providers: [AudioSocketTapLookup, AudioSocketServer],
  exports: [AudioSocketServer],
})
export class AudioSocketModule {}
