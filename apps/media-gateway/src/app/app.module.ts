import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@asb/config';
import { NatsModule } from '@asb/nats';
import { ObservabilityModule } from '@asb/observability';
import { AudioSocketModule } from '../audiosocket/audiosocket.module';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { HeartbeatModule } from '../heartbeat/heartbeat.module';
import { PortsModule } from '../ports/ports.module';

@Module({})
export class AppModule {
  static register(config: MediaGatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule.forRoot({
          serviceName: 'media-gateway',
          level: config.LOG_LEVEL,
          pretty: config.LOG_PRETTY,
        }),
        NatsModule.forRoot({ env: config, connectionName: `media-gateway-${config.GATEWAY_ID}` }),
        PortsModule,
        AudioSocketModule,
        HeartbeatModule,
      ],
    };
  }
}
