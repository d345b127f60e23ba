import { Module } from '@nestjs/common';
import { LiveModule } from '../live/live.module';
import { LiveTrendSampler } from './live-trend-sampler.service';
import { TrendsController } from './trends.controller';

@Module({
  imports: [LiveModule],
  controllers: [TrendsController],
  providers: [LiveTrendSampler],
})
export class TrendsModule {}
