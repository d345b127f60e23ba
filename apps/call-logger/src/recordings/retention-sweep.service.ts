import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { DatabaseConnector } from '@asb/database';
import { MetricsRegistry } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { RecordingsRepository } from './recordings.repository';
import { RecordingStorage, StoredRecordingFile } from './recording-storage';

const FIRST_SWEEP_DELAY_MS = 30_000;
const BATCH = 500;
const DAY_MS = 24 * 3600_000;

export interface SweepResult {
  /** Expired recordings whose file and row were deleted. */
  recordings: number;
  /** Expired files that no row refers to (left by a crash mid-recording) that were deleted. */
  orphans: number;
  /** The oldest recordings deleted so that the rest fit in RECORDINGS_MAX_TOTAL_MB. */
  overLimit: number;
}

/**
 * Deletes recordings older than RECORDINGS_RETENTION_DAYS, and the oldest beyond
 * RECORDINGS_MAX_TOTAL_MB: the file first, then its row, so that
 * an interruption between the two leaves a row without a file, which the next sweep deletes
 * again, rather than a file nothing points to. Files without a row (a crash before the row was
 * written) are deleted too once they are past the retention period.
 */
@Injectable()
export class RetentionSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionSweep.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<SweepResult>;
  private readonly deleted;

  constructor(
    @Inject(APP_CONFIG) private readonly config: CallLoggerConfig,
    private readonly repository: RecordingsRepository,
    private readonly storage: RecordingStorage,
    private readonly database: DatabaseConnector,
    metrics: MetricsRegistry,
  ) {
    this.deleted = metrics.counter<'kind'>({
      name: 'call_logger_recordings_deleted_total',
      help: 'Recordings deleted by the retention sweep (kind: expired, orphan, over_limit)',
      labelNames: ['kind'],
    });
  }

  onApplicationBootstrap(): void {
    const run = () => {
      void this.database.ready
        .then(() => this.sweep())
        .catch((error: unknown) => {
          this.logger.warn(`retention sweep failed, will run again: ${(error as Error).message}`);
        });
    };
    this.timer = setTimeout(() => {
      run();
      this.timer = setInterval(run, this.config.RECORDINGS_SWEEP_INTERVAL_MINUTES * 60_000);
    }, FIRST_SWEEP_DELAY_MS);
  }

  beforeApplicationShutdown(): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
  }

  /** One sweep at `now`; concurrent calls share the sweep in progress. */
  sweep(now = new Date()): Promise<SweepResult> {
    this.sweeping ??= this.run(now).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async run(now: Date): Promise<SweepResult> {
    const cutoff = new Date(now.getTime() - this.config.RECORDINGS_RETENTION_DAYS * DAY_MS);
    const result: SweepResult = { recordings: 0, orphans: 0, overLimit: 0 };
    for (;;) {
      const expired = await this.repository.expired(cutoff, BATCH);
      for (const { callId, fileName } of expired) {
        if (fileName) await this.storage.remove(fileName);
        await this.repository.delete(callId, cutoff);
        result.recordings += 1;
      }
      if (expired.length < BATCH) break;
    }
    result.overLimit = await this.removeBeyondTotal();
    let candidates: StoredRecordingFile[] = [];
    for await (const file of this.storage.files()) {
      if (file.modifiedAt >= cutoff) continue;
      candidates.push(file);
      if (candidates.length === BATCH) {
        result.orphans += await this.removeOrphans(candidates);
        candidates = [];
      }
    }
    result.orphans += await this.removeOrphans(candidates);
    await this.storage.removeEmptyFolders();
    this.deleted.inc({ kind: 'expired' }, result.recordings);
    this.deleted.inc({ kind: 'orphan' }, result.orphans);
    this.deleted.inc({ kind: 'over_limit' }, result.overLimit);
    const deleted = [
      result.recordings > 0 && `${result.recordings} recordings older than ${cutoff.toISOString()}`,
      result.orphans > 0 && `${result.orphans} orphan files`,
      result.overLimit > 0 &&
        `the ${result.overLimit} oldest recordings beyond ${this.config.RECORDINGS_MAX_TOTAL_MB} MB`,
    ].filter(Boolean);
    if (deleted.length > 0) this.logger.log(`retention sweep deleted ${deleted.join(', ')}`);
    return result;
  }

  private async removeBeyondTotal(): Promise<number> {
    const maxMb = this.config.RECORDINGS_MAX_TOTAL_MB;
    if (maxMb === undefined) return 0;
    let removed = 0;
    for (;;) {
      const beyond = await this.repository.beyondTotal(maxMb * 1024 * 1024, BATCH);
      for (const { callId, fileName } of beyond) {
        if (fileName) await this.storage.remove(fileName);
        await this.repository.deleteFinished(callId);
        removed += 1;
      }
      if (beyond.length < BATCH) return removed;
    }
  }

  private async removeOrphans(files: StoredRecordingFile[]): Promise<number> {
    if (files.length === 0) return 0;
    const known = await this.repository.known(files.map((file) => file.fileName));
    let removed = 0;
    for (const file of files) {
      if (known.has(file.fileName)) continue;
      if (await this.storage.remove(file.fileName)) removed += 1;
    }
    return removed;
  }
}
