import { Module } from '@nestjs/common';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { HealthModule } from '../health/health.module';
import { TranscriptConsumer } from './transcript-consumer.service';
import { TranscriptSegmentsRepository } from './transcript-segments.repository';
import { TranscriptWriter } from './transcript-writer.service';

/** Final transcript segments from the TRANSCRIPTS stream into transcript_segments. */
@Module({
  imports: [HealthModule, DeadLettersModule],
  providers: [TranscriptSegmentsRepository, TranscriptWriter, TranscriptConsumer],
})
export class TranscriptsModule {}
