import { Injectable, Logger } from '@nestjs/common';
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
import { isTransientDatabaseError } from './is-transient-database-error.util';
import { retryBackoffMs, sleep } from './retry-backoff.util';
import { StatsWriter } from './stats-writer.service';

/** One consumed message: a valid event to store, or an invalid one to park. */
export type IncomingCallEvent =
  ({ kind: 'event' } & StoredCallEvent) | { kind: 'invalid'; deadLetter: DeadLetterRow };

/**
 * `stored`: the event is in the database; `parked`: the message is in dead_letters instead;
 * `dropped`: the database refused even the dead letter (logged), so the message is given up.
 */
export type WriteOutcome = 'stored' | 'parked' | 'dropped';

export interface WriteOptions {
  /** Aborting gives up: nothing was written and the messages must stay unacknowledged. */
  signal: AbortSignal;
}

const FAILURE_LOG_INTERVAL_MS = 10_000;
/** Longest pause between two attempts: once the database is back, the events follow within it. */
const RETRY_MAX_MS = 5000;

/**
 * Writes consumed call events to the database, retrying with backoff while the database fails
 * (nothing is acknowledged meanwhile), and isolating an event the database refuses for good so it
 * is parked as a dead letter instead of blocking every event behind it.
 */
@Injectable()
export class CallEventWriter {
  private readonly logger = new Logger(CallEventWriter.name);
  private lastFailureLogAt = -Infinity;
  private readonly written;
  private readonly duplicates;
  private readonly failures;
  private readonly lag;
  private readonly batchSize;

  constructor(
    private readonly repository: CallRecordsRepository,
    private readonly health: DatabaseWriteHealth,
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
    this.failures = metrics.counter<'writer' | 'kind'>({
      name: 'call_logger_write_failures_total',
      help: 'Failed database writes, by writer and kind (transient: retried; permanent: parked)',
      labelNames: ['writer', 'kind'],
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
  }

  /** Resolves with one outcome per item, in order, or undefined when aborted first. */
  async write(
    items: IncomingCallEvent[],
    options: WriteOptions,
  ): Promise<WriteOutcome[] | undefined> {
    this.health.started('call_events');
    try {
      return await this.writeOrSplit(items, options);
    } finally {
      this.health.settled('call_events');
    }
  }

  private async writeOrSplit(
    items: IncomingCallEvent[],
    options: WriteOptions,
  ): Promise<WriteOutcome[] | undefined> {
    const result = await this.withRetry(() => this.repository.writeBatch(toBatch(items)), options);
    if (result === undefined) return undefined;
    if (result.ok) {
      this.committed(items, result.outcome);
      return items.map((item) => (item.kind === 'event' ? 'stored' : 'parked'));
    }
    if (items.length > 1) {
      // Something spoils the batch: halve it until the culprit stands alone, so one bad item
      // costs its batch-mates a few transactions (log2 of the batch), not one each.
      const middle = Math.ceil(items.length / 2);
      const first = await this.writeOrSplit(items.slice(0, middle), options);
      if (!first) return undefined;
      const second = await this.writeOrSplit(items.slice(middle), options);
      if (!second) return undefined;
      return [...first, ...second];
    }
    return this.park(items[0], result.error, options);
  }

  private async park(
    item: IncomingCallEvent,
    error: unknown,
    options: WriteOptions,
  ): Promise<WriteOutcome[] | undefined> {
    const deadLetter: DeadLetterRow =
      item.kind === 'invalid'
        ? item.deadLetter
        : {
            source: 'call_event',
            subject: callEventSubject(item.event.callId, item.event.event),
            reason: 'write_failed',
            error: (error as Error).message,
            payload: Buffer.from(JSON.stringify(item.event)),
            streamSequence: item.streamSequence,
          };
    this.logger.error(
      `${deadLetter.subject} (stream sequence ${deadLetter.streamSequence}) cannot be stored, parking it: ${(error as Error).message}`,
    );
    const parked = await this.withRetry(
      () => this.repository.writeBatch({ events: [], deadLetters: [deadLetter] }),
      options,
    );
    if (parked === undefined) return undefined;
    if (parked.ok) return ['parked'];
    this.logger.error(
      `${deadLetter.subject} cannot be parked either, dropping it: ${(parked.error as Error).message}`,
    );
    return ['dropped'];
  }

  /** Retries transient failures until success or abort; a permanent failure is returned. */
  private async withRetry(
    write: () => Promise<BatchOutcome>,
    options: WriteOptions,
  ): Promise<{ ok: true; outcome: BatchOutcome } | { ok: false; error: unknown } | undefined> {
    for (let attempt = 1; !options.signal.aborted; attempt += 1) {
      try {
        const outcome = await write();
        this.health.succeeded('call_events');
        return { ok: true, outcome };
      } catch (error) {
        if (!isTransientDatabaseError(error)) {
          this.failures.inc({ writer: 'call_events', kind: 'permanent' });
          return { ok: false, error };
        }
        this.failures.inc({ writer: 'call_events', kind: 'transient' });
        this.health.failed('call_events', error);
        this.logFailure(error, attempt);
        await sleep(retryBackoffMs(attempt, 250, RETRY_MAX_MS), options.signal);
      }
    }
    return undefined;
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

  private logFailure(error: unknown, attempt: number): void {
    const now = performance.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLogAt = now;
    this.logger.warn(
      `writing call events failed (attempt ${attempt}), retrying; nothing is acknowledged meanwhile: ${(error as Error).message}`,
    );
  }
}

function toBatch(items: IncomingCallEvent[]): CallEventBatch {
  const batch: CallEventBatch = { events: [], deadLetters: [] };
  for (const item of items) {
    if (item.kind === 'event') batch.events.push(item);
    else batch.deadLetters.push(item.deadLetter);
  }
  return batch;
}
