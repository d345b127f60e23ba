import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { RecordingRowsWriter } from './recording-rows.service';
import { RecordingService } from './recording.service';
import { RecordingStorage } from './recording-storage';
import { RecordingsRepository } from './recordings.repository';
import { RetentionSweep } from './retention-sweep.service';

@Module({
  imports: [HealthModule],
  providers: [
    RecordingStorage,
    RecordingsRepository,
    RecordingRowsWriter,
    RecordingService,
    RetentionSweep,
  ],
  exports: [RecordingService, RetentionSweep],
})
export class RecordingsModule {}
