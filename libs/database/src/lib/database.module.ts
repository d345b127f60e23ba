import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, EntitySchema, MixedList } from 'typeorm';
import type { DatabaseEnv } from '@asb/config';
import { MetricsRegistry, ReadinessRegistry } from '@asb/observability';
import { DatabaseConnector } from './database-connector';

/** Idle time before TCP keepalive probes start, so a dead idle connection is found in time. */
const TCP_KEEPALIVE_IDLE_MS = 10_000;

export interface DatabaseModuleOptions {
  env: DatabaseEnv;
  /** Listed explicitly: bundled apps cannot load entities or migrations by glob. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** Only the service that owns the schema migrates it. */
  runMigrations: boolean;
  /**
   * Where TypeORM records the migrations it ran. Each service that owns tables keeps its own,
   * so one service's migrations never look unknown or pending to another's.
   */
  migrationsTableName?: string;
  applicationName: string;
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.env.DATABASE_URL,
          ssl: options.env.DATABASE_SSL ? { rejectUnauthorized: true } : false,
          entities: options.entities,
          migrations: options.migrations,
          migrationsTableName: options.migrationsTableName ?? 'migrations',
          synchronize: false,
          migrationsRun: false,
          manualInitialization: true,
          applicationName: options.applicationName,
          extra: {
            max: options.env.DATABASE_POOL_SIZE,
            connectionTimeoutMillis: 5000,
            statement_timeout: options.env.DATABASE_QUERY_TIMEOUT_MS,
            // A backend whose client vanished mid-transaction would hold its row locks until the
            // server's own TCP keepalive notices, hours later.
            idle_in_transaction_session_timeout: 2 * options.env.DATABASE_QUERY_TIMEOUT_MS,
            keepAlive: true,
            keepAliveInitialDelayMillis: TCP_KEEPALIVE_IDLE_MS,
          },
        }),
      ],
      providers: [
        {
          provide: DatabaseConnector,
          inject: [
            DataSource,
            { token: ReadinessRegistry, optional: true },
            { token: MetricsRegistry, optional: true },
          ],
          useFactory: (
            dataSource: DataSource,
            readiness?: ReadinessRegistry,
            metrics?: MetricsRegistry,
          ) =>
            new DatabaseConnector(
              dataSource,
              {
                runMigrations: options.runMigrations,
                queryTimeoutMs: options.env.DATABASE_QUERY_TIMEOUT_MS,
              },
              readiness,
              metrics,
            ),
        },
      ],
      exports: [DatabaseConnector],
    };
  }
}
