import { Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { MetricsRegistry } from '@asb/observability';
import type { DeadLetterRow } from '../dead-letters/dead-letter-row';
import type { DatabaseWriteHealth, DatabaseWriter } from '../health/database-write-health';
import { isTransientDatabaseError } from './is-transient-database-error.util';
import { retryBackoffMs, sleep } from './retry-backoff.util';

/**
 * `stored`: the item is in the database (or needed nothing written); `parked`: the message is in
 * dead_letters instead; `dropped`: the database refused even the dead letter (logged), so the
 * message is given up.
 */
export type WriteOutcome = 'stored' | 'parked' | 'dropped';

export interface WriteOptions {
  /** Aborting gives up: nothing was written and the messages must stay unacknowledged. */
  signal: AbortSignal;
}

/** What one kind of consumed message needs written, and how it is parked. */
export interface BatchWriteSteps<T, R> {
  /** Names the writer in health, the failure metric and logs. */
  writer: DatabaseWriter;
  /** Writes the items in one transaction, their dead letters included. */
  writeBatch(items: T[]): Promise<R>;
  /** Writes one dead letter alone, for an item the database refused. */
  park(row: DeadLetterRow): Promise<unknown>;
  /** Whether the item is an invalid message (its dead letter is all that is written of it). */
  isInvalid(item: T): boolean;
  /** The dead letter of a valid item the database refused for good. */
  deadLetterOf(item: T, error: unknown): DeadLetterRow;
  /** After each commit: metrics, follow-ups. */
  committed?(items: T[], result: R): void;
}

/** Failed database writes of every batch writer (the metric is one, labelled by writer). */
export function writeFailuresCounter(metrics: MetricsRegistry): Counter<'writer' | 'kind'> {
  return metrics.counter<'writer' | 'kind'>({
    name: 'call_logger_write_failures_total',
    help: 'Failed database writes, by writer and kind (transient: retried; permanent: parked)',
    labelNames: ['writer', 'kind'],
  });
}

const FAILURE_LOG_INTERVAL_MS = 10_000;
/** Longest pause between two attempts: once the database is back, the writes follow within it. */
const RETRY_MAX_MS = 5000;

/**
 * Writes consumed messages in batches, retrying with backoff while the database fails (nothing
 * is acknowledged meanwhile), and isolating a message the database refuses for good so it is
 * parked as a dead letter instead of blocking every message behind it.
 */
export class RetryingBatchWriter<T, R> {
  private readonly logger: Logger;
  private lastFailureLogAt = -Infinity;

  constructor(
    private readonly steps: BatchWriteSteps<T, R>,
    private readonly health: DatabaseWriteHealth,
    private readonly failures: Counter<'writer' | 'kind'>,
  ) {
    this.logger = new Logger(`RetryingBatchWriter(${steps.writer})`);
  }

  /** Resolves with one outcome per item, in order, or undefined when aborted first. */
  async write(items: T[], options: WriteOptions): Promise<WriteOutcome[] | undefined> {
    this.health.started(this.steps.writer);
    try {
      return await this.writeOrSplit(items, options);
    } finally {
      this.health.settled(this.steps.writer);
    }
  }

  private async writeOrSplit(
    items: T[],
    options: WriteOptions,
  ): Promise<WriteOutcome[] | undefined> {
    const result = await this.withRetry(() => this.steps.writeBatch(items), options);
    if (result === undefined) return undefined;
    if (result.ok) {
      this.steps.committed?.(items, result.value);
      return items.map((item) => (this.steps.isInvalid(item) ? 'parked' : 'stored'));
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
    item: T,
    error: unknown,
    options: WriteOptions,
  ): Promise<WriteOutcome[] | undefined> {
    const deadLetter = this.steps.deadLetterOf(item, error);
    this.logger.error(
      `${deadLetter.subject} (stream sequence ${deadLetter.streamSequence}) cannot be stored, parking it: ${(error as Error).message}`,
    );
    const parked = await this.withRetry(() => this.steps.park(deadLetter), options);
    if (parked === undefined) return undefined;
    if (parked.ok) return ['parked'];
    this.logger.error(
      `${deadLetter.subject} cannot be parked either, dropping it: ${(parked.error as Error).message}`,
    );
    return ['dropped'];
  }

  /** Retries transient failures until success or abort; a permanent failure is returned. */
  private async withRetry<V>(
    write: () => Promise<V>,
    options: WriteOptions,
  ): Promise<{ ok: true; value: V } | { ok: false; error: unknown } | undefined> {
    const writer = this.steps.writer;
    for (let attempt = 1; !options.signal.aborted; attempt += 1) {
      try {
        const value = await write();
        this.health.succeeded(writer);
        return { ok: true, value };
      } catch (error) {
        if (!isTransientDatabaseError(error)) {
          this.failures.inc({ writer, kind: 'permanent' });
          return { ok: false, error };
        }
        this.failures.inc({ writer, kind: 'transient' });
        this.health.failed(writer, error);
        this.logFailure(error, attempt);
        await sleep(retryBackoffMs(attempt, 250, RETRY_MAX_MS), options.signal);
      }
    }
    return undefined;
  }

  private logFailure(error: unknown, attempt: number): void {
    const now = performance.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLogAt = now;
    this.logger.warn(
      `writing ${this.steps.writer} failed (attempt ${attempt}), retrying; nothing is acknowledged meanwhile: ${(error as Error).message}`,
    );
  }
}
