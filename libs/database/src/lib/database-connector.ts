import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { MetricsRegistry, ReadinessRegistry } from '@asb/observability';
import { guardConnectionLeases } from './connection-lease-guard';

/**
 * Arbitrary, fixed key of the PostgreSQL advisory lock held while migrations run, so replicas
 * that start together run them once, one after the other (TypeORM has no lock of its own).
 */
export const MIGRATION_LOCK_KEY = 7_202_611_24;

/** How long past the statement timeout a lent connection may still wait for its answer. */
export const LEASE_GRACE_MS = 2000;

export interface DatabaseConnectorOptions {
  runMigrations: boolean;
  retryBaseMs?: number;
  /** The statement timeout; a connection lent out this long plus LEASE_GRACE_MS is closed. */
  queryTimeoutMs?: number;
}

/**
 * Opens the TypeORM DataSource in the background and keeps trying until PostgreSQL answers, so
 * the service starts (and reports not-ready) instead of crashing when the database is down.
 */
@Injectable()
export class DatabaseConnector implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseConnector.name);
  private stopping = false;
  private resolveReady!: () => void;
  /** Resolves once the DataSource is initialised and migrations are done. */
  readonly ready: Promise<void> = new Promise((resolve) => (this.resolveReady = resolve));

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: DatabaseConnectorOptions,
    @Optional() readiness?: ReadinessRegistry,
    @Optional() private readonly metrics?: MetricsRegistry,
  ) {
    readiness?.register('database', async () => {
      if (!this.dataSource.isInitialized)
        return { up: false, detail: { message: 'not connected yet' } };
      await this.dataSource.query('SELECT 1');
      return { up: true };
    });
  }

  onModuleInit(): void {
    void this.connectForever();
  }

  private async connectForever(): Promise<void> {
    const base = this.options.retryBaseMs ?? 1000;
    const failures = this.metrics?.counter({
      name: 'database_connect_failures_total',
      help: 'Failed attempts to open the database',
    });
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        if (!this.dataSource.isInitialized) await this.dataSource.initialize();
        if (this.options.runMigrations) await this.migrateUnderLock();
        this.guardLeases();
        this.logger.log('database ready');
        this.resolveReady();
        return;
      } catch (error) {
        failures?.inc();
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `database not ready (attempt ${attempt}): ${(error as Error).message}; retrying`,
          );
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(base * 2 ** Math.min(attempt - 1, 5), 30_000)),
        );
      }
    }
  }

  /**
   * From now on, not before: the migration lock is held on a connection that waits, on purpose,
   * for as long as the migrations take.
   */
  private guardLeases(): void {
    if (this.options.queryTimeoutMs === undefined) return;
    const closed = this.metrics?.counter({
      name: 'database_connections_unanswered_total',
      help: 'Connections closed because they had no answer past the statement timeout',
    });
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    guardConnectionLeases(pool, this.options.queryTimeoutMs + LEASE_GRACE_MS, () => {
      closed?.inc();
      this.logger.warn(
        `a database connection had no answer for ${this.options.queryTimeoutMs} ms + ${LEASE_GRACE_MS} ms; closed it`,
      );
    });
  }

  private async migrateUnderLock(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0)
        this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    } finally {
      await runner
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        .catch(() => undefined);
      await runner.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
