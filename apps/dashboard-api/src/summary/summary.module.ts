import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { LiveModule } from '../live/live.module';
import { SummaryController } from './summary.controller';

@Module({
  imports: [CallsModule, LiveModule],
  controllers: [SummaryController],
})
export class SummaryModule {}
