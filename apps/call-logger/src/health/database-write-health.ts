import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { DatabaseConnector } from '@asb/database';
import { LivenessRegistry, ReadinessRegistry, ReadinessResult } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';

/** A write that has not finished after this long makes the service not ready: the database is slow. */
export const SLOW_WRITE_MS = 5000;

export type DatabaseWriter = 'call_events' | 'transcripts' | 'stats' | 'recordings';

/**
 * Whether call-logger's own writes get through. The `database` readiness check of the database
 * lib only proves that `SELECT 1` answers; a logger whose schema is not migrated yet, or whose
 * writes fail or hang, is not ready either. So the same key reports both, and the readiness keys stay nats, jetstream, database.
 */
@Injectable()
export class DatabaseWriteHealth implements OnModuleInit {
  private readonly failing = new Map<DatabaseWriter, string>();
  private readonly writingSince = new Map<DatabaseWriter, number>();
  private migrated = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: CallLoggerConfig,
    private readonly readiness: ReadinessRegistry,
    private readonly liveness: LivenessRegistry,
    database: DatabaseConnector,
  ) {
    void database.ready.then(() => (this.migrated = true));
  }

  onModuleInit(): void {
    const connection = this.readiness.entries().find(([name]) => name === 'database')?.[1];
    this.readiness.register('database', async (): Promise<ReadinessResult> => {
      if (!this.migrated) return { up: false, detail: { message: 'schema not migrated yet' } };
      const problem = this.problem();
      if (problem) return { up: false, detail: problem };
      return connection ? connection() : { up: true };
    });
    this.liveness.register('database_writes', () => {
      const pending = this.longestPending();
      if (!pending || pending.ms <= this.config.CALL_LOGGER_STUCK_WRITE_MS) return { up: true };
      return {
        up: false,
        detail: { message: `${pending.writer} write stuck for ${pending.ms} ms` },
      };
    });
  }

  started(writer: DatabaseWriter): void {
    if (!this.writingSince.has(writer)) this.writingSince.set(writer, Date.now());
  }

  succeeded(writer: DatabaseWriter): void {
    this.writingSince.delete(writer);
    this.failing.delete(writer);
  }

  failed(writer: DatabaseWriter, error: unknown): void {
    this.failing.set(writer, (error as Error)?.message ?? String(error));
  }

  /** Done waiting (stopped or given up), without a verdict. */
  settled(writer: DatabaseWriter): void {
    this.writingSince.delete(writer);
  }

  get healthy(): boolean {
    return this.problem() === undefined;
  }

  private problem(): Record<string, unknown> | undefined {
    const [writer, message] = [...this.failing][0] ?? [];
    if (writer) return { message: `${writer} writes failing: ${message}` };
    const pending = this.longestPending();
    if (pending && pending.ms > SLOW_WRITE_MS) {
      return { message: `${pending.writer} write pending for ${pending.ms} ms` };
    }
    return undefined;
  }

  /** The writer whose write has waited longest to succeed, and for how long. */
  private longestPending(): { writer: DatabaseWriter; ms: number } | undefined {
    const now = Date.now();
    let longest: { writer: DatabaseWriter; ms: number } | undefined;
    for (const [writer, since] of this.writingSince) {
      if (!longest || now - since > longest.ms) longest = { writer, ms: now - since };
    }
    return longest;
  }
}
