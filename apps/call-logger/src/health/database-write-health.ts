import { Injectable, OnModuleInit } from '@nestjs/common';
import { DatabaseConnector } from '@asb/database';
import { ReadinessRegistry, ReadinessResult } from '@asb/observability';

/** A write that has not finished after this long makes the service not ready: the database is slow. */
export const SLOW_WRITE_MS = 5000;

export type DatabaseWriter = 'call_events' | 'stats' | 'recordings';

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
    private readonly readiness: ReadinessRegistry,
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
    const now = Date.now();
    for (const [slowWriter, since] of this.writingSince) {
      if (now - since > SLOW_WRITE_MS) {
        return { message: `${slowWriter} write pending for ${now - since} ms` };
      }
    }
    return undefined;
  }
}
