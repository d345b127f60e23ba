import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { CallEventsStreamEnv } from '@asb/config';
import { ReadinessRegistry } from '@asb/observability';
import { NatsClient } from '../connection/nats-client';
import { provisionCallEventsStream } from './call-events-stream';

/** Makes sure the call events stream exists with the configured limits once NATS is reachable. */
@Injectable()
export class CallEventsStreamProvisioner implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CallEventsStreamProvisioner.name);
  private provisioned = false;
  private stopping = false;
  private resolveReady!: () => void;
  readonly ready: Promise<void> = new Promise((resolve) => (this.resolveReady = resolve));

  constructor(
    private readonly nats: NatsClient,
    private readonly limits: CallEventsStreamEnv,
    readiness?: ReadinessRegistry,
  ) {
    readiness?.register('jetstream', () => ({ up: this.provisioned }));
  }

  onModuleInit(): void {
    void this.provision();
  }

  private async provision(): Promise<void> {
    await this.nats.connected;
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        const outcome = await provisionCallEventsStream(
          await this.nats.jetstreamManager(),
          this.limits,
        );
        this.logger.log(`call events stream ${outcome}`);
        this.provisioned = true;
        this.resolveReady();
        return;
      } catch (error) {
        this.logger.warn(
          `cannot provision the call events stream (attempt ${attempt}): ${(error as Error).message}`,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 15_000)));
      }
    }
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }
}
