import { Module } from '@nestjs/common';
import { StatsPublisher } from './stats-publisher';

@Module({
  providers: [StatsPublisher],
  exports: [StatsPublisher],
})
export class StatsModule {}
