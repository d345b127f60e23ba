import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import { CallEventFeed } from './call-event-feed.service';
import { FollowedCalls } from './followed-calls.service';
import { LiveCallsStore } from './live-calls.store';
import { LiveController } from './live.controller';
import { LiveStoreSweeper } from './live-store-sweeper.service';
import { StreamStatsFeed } from './stream-stats-feed.service';

@Module({
  controllers: [LiveController],
  providers: [
    {
      provide: LiveCallsStore,
      inject: [APP_CONFIG],
      useFactory: (config: DashboardApiConfig) =>
        new LiveCallsStore({
          degradedLossPercent: config.DASHBOARD_DEGRADED_LOSS_PERCENT,
          degradedJitterMs: config.DASHBOARD_DEGRADED_JITTER_MS,
          idleMs: config.DASHBOARD_LIVE_IDLE_MINUTES * 60_000,
          stallAfterMs: config.DASHBOARD_STALL_AFTER_MS,
        }),
    },
    CallEventFeed,
    FollowedCalls,
    StreamStatsFeed,
    LiveStoreSweeper,
  ],
  exports: [LiveCallsStore, CallEventFeed],
})
export class LiveModule {}
