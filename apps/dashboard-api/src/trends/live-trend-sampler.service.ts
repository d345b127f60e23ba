import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LiveCallsStore } from '../live/live-calls.store';
import type { TrendPoint } from '@asb/contracts';
import { TREND_CAPACITY, TREND_SAMPLE_MS, TrendRing } from './live-trend';

/**
 * Samples concurrent calls and stream health every few seconds from the live picture, so the
 * metrics page has a recent history even where call-logger does not run.
 */
@Injectable()
export class LiveTrendSampler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly ring = new TrendRing(TREND_CAPACITY);
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: LiveCallsStore) {}

  onApplicationBootstrap(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), TREND_SAMPLE_MS);
    this.timer.unref();
  }

  sample(now = new Date()): void {
    this.ring.push({ at: now.toISOString(), ...this.store.counts() });
  }

  since(sinceMs: number): TrendPoint[] {
    return this.ring.since(sinceMs);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
