import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@asb/config';
import { NatsModule } from '@asb/nats';
import { ObservabilityModule } from '@asb/observability';
import { AriModule } from '../ari/ari.module';
import type { AriIngestConfig } from '../config/ari-ingest.config';

@Module({})
export class AppModule {
  static register(config: AriIngestConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule.forRoot({
          serviceName: 'ari-ingest',
          level: config.LOG_LEVEL,
          pretty: config.LOG_PRETTY,
        }),
        NatsModule.forRoot({ env: config, connectionName: 'ari-ingest', callEventsStream: config }),
        AriModule,
      ],
    };
  }
}
