import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { CallEventWriter } from './call-event-writer.service';
import { CallRecordsRepository } from './call-records.repository';
import { StatsRecordsRepository } from './stats-records.repository';
import { StatsWriter } from './stats-writer.service';

@Module({
  imports: [HealthModule],
  providers: [CallRecordsRepository, StatsRecordsRepository, CallEventWriter, StatsWriter],
  exports: [CallEventWriter, StatsWriter],
})
export class RecordsModule {}
