import { Injectable } from '@nestjs/common';
import { callEventSubject } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { DeadLetterRow } from '../dead-letters/dead-letter-row';
import { DatabaseWriteHealth } from '../health/database-write-health';
import {
  BatchOutcome,
  CallEventBatch,
  CallRecordsRepository,
  StoredCallEvent,
} from './call-records.repository';
import {
  RetryingBatchWriter,
  WriteOptions,
  WriteOutcome,
  writeFailuresCounter,
} from './retrying-batch-writer';
import { StatsWriter } from './stats-writer.service';

/** One consumed message: a valid event to store, or an invalid one to park. */
export type IncomingCallEvent =
  ({ kind: 'event' } & StoredCallEvent) | { kind: 'invalid'; deadLetter: DeadLetterRow };

/**
 * Writes consumed call events to the database in batches (retried while the database fails, a
 * refused event parked as a dead letter: RetryingBatchWriter), with the events' metrics and the
 * final stream totals of the calls that ended.
 */
@Injectable()
export class CallEventWriter {
  private readonly batches: RetryingBatchWriter<IncomingCallEvent, BatchOutcome>;
  private readonly written;
  private readonly duplicates;
  private readonly lag;
  private readonly batchSize;

  constructor(
    private readonly repository: CallRecordsRepository,
    health: DatabaseWriteHealth,
    private readonly stats: StatsWriter,
    metrics: MetricsRegistry,
  ) {
    this.written = metrics.counter({
      name: 'call_logger_events_written_total',
      help: 'Call events stored for the first time',
    });
    this.duplicates = metrics.counter({
      name: 'call_logger_events_duplicate_total',
      help: 'Call events received again (redelivery or repeat) and not stored twice',
    });
    this.lag = metrics.histogram({
      name: 'call_logger_event_lag_seconds',
      help: 'From an event occurring to its row being committed',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    });
    this.batchSize = metrics.histogram({
      name: 'call_logger_write_batch_messages',
      help: 'Messages written in one transaction',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
    });
    this.batches = new RetryingBatchWriter(
      {
        writer: 'call_events',
        writeBatch: (items) => this.repository.writeBatch(toBatch(items)),
        park: (deadLetter) => this.repository.writeBatch({ events: [], deadLetters: [deadLetter] }),
        isInvalid: (item) => item.kind === 'invalid',
        deadLetterOf,
        committed: (items, outcome) => this.committed(items, outcome),
      },
      health,
      writeFailuresCounter(metrics),
    );
  }

  /** Resolves with one outcome per item, in order, or undefined when aborted first. */
  write(items: IncomingCallEvent[], options: WriteOptions): Promise<WriteOutcome[] | undefined> {
    return this.batches.write(items, options);
  }

  /** Metrics of a committed batch, and final stream totals asked for the calls that ended. */
  private committed(items: IncomingCallEvent[], outcome: BatchOutcome): void {
    this.batchSize.observe(items.length);
    this.written.inc(outcome.inserted);
    this.duplicates.inc(outcome.duplicates);
    for (const item of items) {
      if (item.kind !== 'event') continue;
      const lagMs = outcome.committedAt - Date.parse(item.event.occurredAt);
      this.lag.observe(Math.max(0, lagMs) / 1000);
      if (item.event.event === 'ended') this.stats.callEnded(item.event.callId);
    }
  }
}

function deadLetterOf(item: IncomingCallEvent, error: unknown): DeadLetterRow {
  if (item.kind === 'invalid') return item.deadLetter;
  return {
    source: 'call_event',
    subject: callEventSubject(item.event.callId, item.event.event),
    reason: 'write_failed',
    error: (error as Error).message,
    payload: Buffer.from(JSON.stringify(item.event)),
    streamSequence: item.streamSequence,
  };
}

function toBatch(items: IncomingCallEvent[]): CallEventBatch {
  const batch: CallEventBatch = { events: [], deadLetters: [] };
  for (const item of items) {
    if (item.kind === 'event') batch.events.push(item);
    else batch.deadLetters.push(item.deadLetter);
  }
  return batch;
}
