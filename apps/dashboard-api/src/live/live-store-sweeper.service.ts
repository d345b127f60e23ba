import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LiveCallsStore } from './live-calls.store';

const SWEEP_INTERVAL_MS = 60_000;
/** How often tapped streams are checked for samples that stopped coming. */
const STALL_CHECK_INTERVAL_MS = 500;

/**
 * Runs the store's sweeps: a call whose end was lost cannot stay on screen forever, and a stream
 * whose gateway died shows as stalled.
 */
@Injectable()
export class LiveStoreSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private stallTimer?: NodeJS.Timeout;

  constructor(private readonly store: LiveCallsStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.store.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    this.stallTimer = setInterval(() => this.store.markSilentStalled(), STALL_CHECK_INTERVAL_MS);
    this.stallTimer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.stallTimer);
  }
}
