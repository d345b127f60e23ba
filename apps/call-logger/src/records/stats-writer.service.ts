import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { StreamStats } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { DatabaseWriteHealth } from '../health/database-write-health';
import { isTransientDatabaseError } from './is-transient-database-error.util';
import { retryBackoffMs } from './retry-backoff.util';
import { StatsRecordsRepository } from './stats-records.repository';
import { StreamRunSamples } from './stream-run-samples';
import { STREAM_ROW_REFRESH_MS, StreamHealthAccumulator } from './stream-health-accumulator';

/** Stats reach the database within this (plus the write itself), well under the 1 s lag target. */
const FLUSH_INTERVAL_MS = 200;
/** A stream that sent no sample for this long has ended; its downsampling memory is freed. */
const STREAM_IDLE_MS = 5 * 60_000;
/** How often running streams are checked for samples that stopped coming. */
const STALL_SWEEP_INTERVAL_MS = 1000;

/**
 * Writes stream health: collects stats samples and writes them every FLUSH_INTERVAL_MS in one
 * transaction. While the database fails, samples wait (bounded) and the write is retried with
 * backoff.
 *
 * Only a live gateway reports a stream as stalled; when a gateway dies its streams just fall
 * silent. So every STALL_SWEEP_INTERVAL_MS the running streams whose samples stopped for
 * STATS_STALL_AFTER_MS are marked stalled in the database, where every replica's samples meet
 * (replicas share the samples of a stream, so none of them alone knows it went silent). A row
 * holds its last sample time up to STREAM_ROW_REFRESH_MS (plus a flush) late, so that much
 * silence is not counted.
 */
@Injectable()
export class StatsWriter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StatsWriter.name);
  private readonly accumulator: StreamHealthAccumulator;
  private readonly runs = new StreamRunSamples();
  private timer?: NodeJS.Timeout;
  private stallTimer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private sweeping?: Promise<void>;
  private readonly silentMs: number;
  private failedAttempts = 0;
  private nextWriteAt = 0;
  private reportedDropped = 0;
  private readonly received;
  private readonly written;
  private readonly dropped;
  private readonly lag;

  constructor(
    @Inject(APP_CONFIG) config: CallLoggerConfig,
    private readonly repository: StatsRecordsRepository,
    private readonly health: DatabaseWriteHealth,
    metrics: MetricsRegistry,
  ) {
    this.accumulator = new StreamHealthAccumulator(config.STATS_SAMPLE_INTERVAL_MS);
    this.silentMs = config.STATS_STALL_AFTER_MS + STREAM_ROW_REFRESH_MS + FLUSH_INTERVAL_MS;
    this.received = metrics.counter({
      name: 'call_logger_stats_samples_received_total',
      help: 'Valid stats.v1 samples received',
    });
    this.written = metrics.counter({
      name: 'call_logger_stats_samples_written_total',
      help: 'Stream health samples kept after downsampling and written',
    });
    this.dropped = metrics.counter({
      name: 'call_logger_stats_samples_dropped_total',
      help: 'Kept samples dropped because the database was unavailable for too long',
    });
    this.lag = metrics.histogram({
      name: 'call_logger_stats_lag_seconds',
      help: 'From a stats sample being taken to its kept copy being committed',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), FLUSH_INTERVAL_MS);
    this.stallTimer = setInterval(() => {
      this.sweeping ??= this.markSilentStalled().finally(() => (this.sweeping = undefined));
    }, STALL_SWEEP_INTERVAL_MS);
  }

  add(sample: StreamStats): void {
    this.received.inc();
    this.accumulator.add(sample);
    this.runs.add(sample);
  }

  /** The call ended: its streams' final totals are written at the next flush, not in 5 s. */
  callEnded(callId: string): void {
    this.accumulator.expedite(callId);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.stallTimer);
    await Promise.all([this.writing, this.sweeping]);
    await this.flush(true);
  }

  private tick(): void {
    if (this.writing || Date.now() < this.nextWriteAt) return;
    this.accumulator.forgetIdle(Date.now(), STREAM_IDLE_MS);
    this.writing = this.flush().finally(() => (this.writing = undefined));
  }

  /** Writes what was collected; a failed write puts it back for the next attempt. */
  async flush(everything = false): Promise<void> {
    const taken = this.accumulator.take(Date.now(), everything);
    if (taken.updates.length === 0 && taken.samples.length === 0) return;
    const runs = this.runs.take(taken.updates.map((update) => update.latest));
    this.health.started('stats');
    try {
      await this.repository.write(taken.updates, taken.samples, runs);
      this.health.succeeded('stats');
      this.failedAttempts = 0;
      this.nextWriteAt = 0;
      this.written.inc(taken.samples.length);
      const now = Date.now();
      for (const sample of taken.samples) {
        this.lag.observe(Math.max(0, now - Date.parse(sample.sampledAt)) / 1000);
      }
    } catch (error) {
      if (!isTransientDatabaseError(error)) {
        this.health.settled('stats');
        this.logger.error(
          `stats write refused, ${taken.samples.length} samples dropped: ${(error as Error).message}`,
        );
        this.dropped.inc(taken.samples.length);
        return;
      }
      this.accumulator.restore(taken);
      this.runs.restore(runs);
      this.health.failed('stats', error);
      this.failedAttempts += 1;
      this.nextWriteAt = Date.now() + retryBackoffMs(this.failedAttempts);
      if (this.failedAttempts === 1 || this.failedAttempts % 20 === 0) {
        this.logger.warn(
          `writing stream health failed (attempt ${this.failedAttempts}), ${this.accumulator.pendingSamples} samples waiting: ${(error as Error).message}`,
        );
      }
    } finally {
      this.reportDropped();
    }
  }

  private async markSilentStalled(): Promise<void> {
    try {
      const marked = await this.repository.markSilentStalled(this.silentMs);
      for (const { callId, track } of marked) this.accumulator.markedStalled(callId, track);
      if (marked.length > 0) {
        this.logger.warn(
          `${marked.length} running streams sent no stats for ${this.silentMs} ms, marked stalled: ${marked
            .slice(0, 10)
            .map(({ callId, track }) => `${callId}/${track}`)
            .join(', ')}`,
        );
      }
    } catch (error) {
      // The stats write reports the database's health; the next sweep tries again.
      this.logger.debug(`marking silent streams stalled failed: ${(error as Error).message}`);
    }
  }

  private reportDropped(): void {
    const total = this.accumulator.dropped;
    if (total > this.reportedDropped) {
      this.dropped.inc(total - this.reportedDropped);
      this.reportedDropped = total;
    }
  }
}
