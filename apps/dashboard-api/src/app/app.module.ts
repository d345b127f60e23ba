import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ServeStaticModule } from '@nestjs/serve-static';
import { CALL_RECORD_ENTITIES } from '@asb/call-records';
import { AppConfigModule } from '@asb/config';
import { DatabaseModule } from '@asb/database';
import { NatsModule } from '@asb/nats';
import { ObservabilityModule } from '@asb/observability';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { CallsModule } from '../calls/calls.module';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import { DatabaseUnavailableFilter } from '../http/database-unavailable.filter';
import { LiveModule } from '../live/live.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { RecordingsModule } from '../recordings/recordings.module';
import {
  DASHBOARD_ENTITIES,
  DASHBOARD_MIGRATIONS,
  DASHBOARD_MIGRATIONS_TABLE,
} from '../schema/dashboard-schema';
import { SummaryModule } from '../summary/summary.module';
import { TrendsModule } from '../trends/trends.module';
import { UsersModule } from '../users/users.module';

@Module({})
export class AppModule {
  static register(config: DashboardApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule.forRoot({
          serviceName: 'dashboard-api',
          level: config.LOG_LEVEL,
          pretty: config.LOG_PRETTY,
        }),
        NatsModule.forRoot({ env: config, connectionName: 'dashboard-api' }),
        // dashboard-api migrates its own tables (users, audit log) only; it reads the call
        // records, which call-logger owns and migrates.
        DatabaseModule.forRoot({
          env: config,
          entities: [...DASHBOARD_ENTITIES, ...CALL_RECORD_ENTITIES],
          migrations: DASHBOARD_MIGRATIONS,
          runMigrations: true,
          migrationsTableName: DASHBOARD_MIGRATIONS_TABLE,
          applicationName: 'dashboard-api',
        }),
        AuthModule,
        UsersModule,
        AuditModule,
        LiveModule,
        RealtimeModule,
        TrendsModule,
        CallsModule,
        SummaryModule,
        RecordingsModule,
        ...(config.DASHBOARD_STATIC_DIR
          ? [
              ServeStaticModule.forRoot({
                rootPath: config.DASHBOARD_STATIC_DIR,
                exclude: ['/api/{*path}', '/health/{*path}', '/metrics', '/socket.io/{*path}'],
              }),
            ]
          : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: DatabaseUnavailableFilter }],
    };
  }
}
