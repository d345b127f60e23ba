import { Injectable } from '@nestjs/common';
import { transcriptSubject } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { DeadLetterRow } from '../dead-letters/dead-letter-row';
import { DatabaseWriteHealth } from '../health/database-write-health';
import {
  RetryingBatchWriter,
  writeFailuresCounter,
  WriteOptions,
  WriteOutcome,
} from '../records/retrying-batch-writer';
import {
  StoredTranscriptSegment,
  TranscriptBatch,
  TranscriptSegmentsRepository,
} from './transcript-segments.repository';

/**
 * One consumed transcript message: a final segment to store, a partial (acknowledged, never
 * stored: its final follows), or an invalid message to park.
 */
export type IncomingTranscript =
  | ({ kind: 'final' | 'partial' } & StoredTranscriptSegment)
  | { kind: 'invalid'; deadLetter: DeadLetterRow };

/** Writes consumed transcript segments in batches: finals stored, partials passed over. */
@Injectable()
export class TranscriptWriter {
  private readonly batches: RetryingBatchWriter<IncomingTranscript, void>;
  private readonly segments;

  constructor(
    private readonly repository: TranscriptSegmentsRepository,
    health: DatabaseWriteHealth,
    metrics: MetricsRegistry,
  ) {
    this.segments = metrics.counter<'kind'>({
      name: 'call_logger_transcript_segments_total',
      help: 'Transcript segments consumed, by kind (final: stored; partial: acknowledged, not stored)',
      labelNames: ['kind'],
    });
    this.batches = new RetryingBatchWriter<IncomingTranscript, void>(
      {
        writer: 'transcripts',
        writeBatch: (items) => this.repository.writeBatch(toBatch(items)),
        park: (deadLetter) => this.repository.writeBatch({ finals: [], deadLetters: [deadLetter] }),
        isInvalid: (item) => item.kind === 'invalid',
        deadLetterOf,
        committed: (items) => {
          for (const item of items)
            if (item.kind !== 'invalid') this.segments.inc({ kind: item.kind });
        },
      },
      health,
      writeFailuresCounter(metrics),
    );
  }

  /** Resolves with one outcome per item, in order, or undefined when aborted first. */
  write(items: IncomingTranscript[], options: WriteOptions): Promise<WriteOutcome[] | undefined> {
    return this.batches.write(items, options);
  }
}

function deadLetterOf(item: IncomingTranscript, error: unknown): DeadLetterRow {
  if (item.kind === 'invalid') return item.deadLetter;
  return {
    source: 'transcript',
    subject: transcriptSubject(item.segment.callId, item.segment.track),
    reason: 'write_failed',
    error: (error as Error).message,
    payload: Buffer.from(JSON.stringify(item.segment)),
    streamSequence: item.streamSequence,
  };
}

function toBatch(items: IncomingTranscript[]): TranscriptBatch {
  const batch: TranscriptBatch = { finals: [], deadLetters: [] };
  for (const item of items) {
    if (item.kind === 'final') batch.finals.push(item);
    else if (item.kind === 'invalid') batch.deadLetters.push(item.deadLetter);
    // A partial needs nothing written: acknowledging it is all.
  }
  return batch;
}
