import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { LiveCallsStore } from './live-calls.store';

const SWEEP_INTERVAL_MS = 60_000;

/** Runs the store's sweep, so a call whose end was lost cannot stay on screen forever. */
@Injectable()
export class LiveStoreSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: LiveCallsStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.store.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
