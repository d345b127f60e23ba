import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@asb/config';
import { NatsModule } from '@asb/nats';
import { ObservabilityModule } from '@asb/observability';
import { CallsModule } from '../calls/calls.module';
import { ClaimsModule } from '../claims/claims.module';
import type { StreamEgressConfig } from '../config/stream-egress.config';
import { EventsModule } from '../events/events.module';
import { InboundModule } from '../inbound/inbound.module';
import { RoutingModule } from '../routing/routing.module';
import { EgressLifecycle } from './egress-lifecycle.service';

@Module({})
export class AppModule {
  static register(config: StreamEgressConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule.forRoot({
          serviceName: 'stream-egress',
          level: config.LOG_LEVEL,
          pretty: config.LOG_PRETTY,
        }),
        NatsModule.forRoot({ env: config, connectionName: 'stream-egress' }),
        CallsModule,
        ClaimsModule,
        EventsModule,
        RoutingModule,
        InboundModule,
      ],
      providers: [EgressLifecycle],
    };
  }
}
