import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { StreamEgressConfig } from '../config/stream-egress.config';
import { MetricsModule } from '../metrics/metrics.module';
import { CallEventsSource } from './call-events.source';
import { DEFAULT_FORGET_AFTER_MS, LiveCallsRegistry } from './live-calls.registry';

@Module({
  imports: [MetricsModule],
  providers: [
    {
      provide: LiveCallsRegistry,
      inject: [APP_CONFIG],
      useFactory: (config: StreamEgressConfig) =>
        new LiveCallsRegistry(
          config.EGRESS_EVENTS_REPLAY_MINUTES > 0
            ? config.EGRESS_EVENTS_REPLAY_MINUTES * 60_000
            : DEFAULT_FORGET_AFTER_MS,
        ),
    },
    CallEventsSource,
  ],
  exports: [LiveCallsRegistry, CallEventsSource],
})
export class CallsModule {}
