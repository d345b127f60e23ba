import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CallRecordsRepository } from './call-records.repository';
import { CallTranscriptController } from './call-transcript.controller';
import { CallsController } from './calls.controller';
import { CallsService } from './calls.service';

@Module({
  imports: [AuditModule],
  controllers: [CallsController, CallTranscriptController],
  providers: [CallRecordsRepository, CallsService],
  exports: [CallRecordsRepository],
})
export class CallsModule {}
