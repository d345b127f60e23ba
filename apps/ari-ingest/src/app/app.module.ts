import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@asb/config';
import { NatsModule } from '@asb/nats';
import { ObservabilityModule } from '@asb/observability';
import { CallTracker } from '../calls/call-tracker.service';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { CallEventSink } from '../events/call-event-sink';
import { LeaderLease } from '../leader/leader-lease.service';
import { TapPolicy } from '../policy/tap-policy';
import { Reconciler } from '../reconcile/reconciler.service';
import { MediaAllocator } from '../tap/media-allocator';
import { TapOrchestrator } from '../tap/tap-orchestrator.service';
import { AsteriskWatch } from './asterisk-watch.service';

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
      ],
      providers: [
        TapPolicy,
        MediaAllocator,
        CallEventSink,
        TapOrchestrator,
        CallTracker,
        Reconciler,
        LeaderLease,
        AsteriskWatch,
      ],
    };
  }
}
