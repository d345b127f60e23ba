import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CallsModule } from '../calls/calls.module';
import { RecordingFiles } from './recording-files';
import { RecordingsController } from './recordings.controller';

@Module({
  imports: [CallsModule, AuditModule],
  controllers: [RecordingsController],
  providers: [RecordingFiles],
})
export class RecordingsModule {}
