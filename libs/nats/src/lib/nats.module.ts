import { DynamicModule, Global, Module } from '@nestjs/common';
import type { CallEventsStreamEnv, NatsEnv } from '@asb/config';
import { MetricsRegistry, ReadinessRegistry } from '@asb/observability';
import { NatsClient } from './connection/nats-client';
import { natsConnectionOptions } from './connection/nats-connection-options';
import { CallEventPublisher } from './jetstream/call-event-publisher';
import { CallEventsStreamProvisioner } from './jetstream/call-events-stream.provisioner';

export interface NatsModuleOptions {
  env: NatsEnv;
  /** Given to services that publish or consume call events: they provision the stream at start. */
  callEventsStream?: CallEventsStreamEnv;
  /** Connection name shown by the NATS server (`nats server report connections`). */
  connectionName: string;
}

@Global()
@Module({})
export class NatsModule {
  static forRoot(options: NatsModuleOptions): DynamicModule {
    return {
      module: NatsModule,
      providers: [
        {
          provide: NatsClient,
          inject: [
            { token: ReadinessRegistry, optional: true },
            { token: MetricsRegistry, optional: true },
          ],
          useFactory: (readiness?: ReadinessRegistry, metrics?: MetricsRegistry) =>
            new NatsClient(
              natsConnectionOptions(options.env, options.connectionName),
              readiness,
              metrics,
            ),
        },
        CallEventPublisher,
        ...(options.callEventsStream
          ? [
              {
                provide: CallEventsStreamProvisioner,
                inject: [NatsClient, { token: ReadinessRegistry, optional: true }],
                useFactory: (nats: NatsClient, readiness?: ReadinessRegistry) =>
                  new CallEventsStreamProvisioner(
                    nats,
                    options.callEventsStream as CallEventsStreamEnv,
                    readiness,
                  ),
              },
            ]
          : []),
      ],
      exports: [
        NatsClient,
        CallEventPublisher,
        ...(options.callEventsStream ? [CallEventsStreamProvisioner] : []),
      ],
    };
  }
}
