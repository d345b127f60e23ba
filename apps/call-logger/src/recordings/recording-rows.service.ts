import { Injectable, Logger } from '@nestjs/common';
import { DatabaseWriteHealth } from '../health/database-write-health';
import { isTransientDatabaseError } from '../records/is-transient-database-error.util';
import { retryBackoffMs } from '../records/retry-backoff.util';
import { RecordingRow, RecordingsRepository } from './recordings.repository';

/**
 * Writes recordings rows in the background, apart from the audio: a file is never held up by the
 * database, and a row that cannot be written yet waits (the latest state per call) and is retried
 * with backoff until the database takes it.
 */
@Injectable()
export class RecordingRowsWriter {
  private readonly logger = new Logger(RecordingRowsWriter.name);
  private readonly pending = new Map<string, RecordingRow>();
  private writing?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private failedAttempts = 0;
  private closed = false;

  constructor(
    private readonly repository: RecordingsRepository,
    private readonly health: DatabaseWriteHealth,
  ) {}

  get waiting(): number {
    return this.pending.size;
  }

  enqueue(row: RecordingRow): void {
    const current = this.pending.get(row.callId);
    // A row still waiting with a finished state is never replaced by a 'recording' one.
    if (current && current.state !== 'recording' && row.state === 'recording') return;
    this.pending.set(row.callId, row);
    if (!this.retryTimer) this.schedule(0);
  }

  /** Resolves when everything enqueued so far is written or has failed once. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.size === 0) return;
    this.writing = this.write().finally(() => (this.writing = undefined));
    await this.writing;
  }

  /** Stops retrying after one last attempt of at most `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    if (this.pending.size > 0) {
      this.logger.warn(
        `${this.pending.size} recordings rows could not be written before stopping; their files are on disk`,
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, delayMs);
  }

  private async write(): Promise<void> {
    const rows = [...this.pending.values()];
    this.health.started('recordings');
    try {
      await this.repository.upsert(rows);
      for (const row of rows)
        if (this.pending.get(row.callId) === row) this.pending.delete(row.callId);
      this.health.succeeded('recordings');
      this.failedAttempts = 0;
      if (this.pending.size > 0) this.schedule(0);
    } catch (error) {
      if (!isTransientDatabaseError(error)) {
        this.health.settled('recordings');
        this.logger.error(`recordings rows refused, dropped: ${(error as Error).message}`);
        for (const row of rows) this.pending.delete(row.callId);
        return;
      }
      this.health.failed('recordings', error);
      this.failedAttempts += 1;
      if (this.failedAttempts === 1 || this.failedAttempts % 20 === 0) {
        this.logger.warn(
          `writing ${rows.length} recordings rows failed (attempt ${this.failedAttempts}): ${(error as Error).message}`,
        );
      }
      this.schedule(retryBackoffMs(this.failedAttempts));
    }
  }
}
