import { DynamicModule, Module } from '@nestjs/common';
import {
  CALL_RECORD_ENTITIES,
  CALL_RECORD_MIGRATIONS,
  CALL_RECORDS_MIGRATIONS_TABLE,
} from '@asb/call-records';
import { AppConfigModule } from '@asb/config';
import { DatabaseModule } from '@asb/database';
import { NatsModule } from '@asb/nats';
import { ObservabilityModule } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { ConsumeModule } from '../consume/consume.module';
import { TranscriptsModule } from '../transcripts/transcripts.module';

@Module({})
export class AppModule {
  static register(config: CallLoggerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule.forRoot({
          serviceName: 'call-logger',
          level: config.LOG_LEVEL,
          pretty: config.LOG_PRETTY,
        }),
        NatsModule.forRoot({
          env: config,
          connectionName: 'call-logger',
          callEventsStream: config,
        }),
        // call-logger owns the schema, so it is the one service that migrates it.
        DatabaseModule.forRoot({
          env: config,
          entities: CALL_RECORD_ENTITIES,
          migrations: CALL_RECORD_MIGRATIONS,
          migrationsTableName: CALL_RECORDS_MIGRATIONS_TABLE,
          runMigrations: true,
          applicationName: 'call-logger',
        }),
        ConsumeModule,
        TranscriptsModule,
      ],
    };
  }
}
