import { Injectable } from '@nestjs/common';

export interface ReadinessResult {
  up: boolean;
  /** Extra facts shown on the health endpoint (never secrets). */
  detail?: Record<string, unknown>;
}

export type ReadinessCheck = () => ReadinessResult | Promise<ReadinessResult>;

/**
 * The dependencies a service needs to do its work (NATS, the database, ...). Each module that
 * owns a dependency registers its check here; /health/ready reports them all.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): Array<[string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }
}
