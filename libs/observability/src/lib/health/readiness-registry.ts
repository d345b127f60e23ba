import { Injectable } from '@nestjs/common';

export interface ReadinessResult {
  up: boolean;
  /** Extra facts shown on the health endpoint (never secrets). */
  detail?: Record<string, unknown>;
}

export type ReadinessCheck = () => ReadinessResult | Promise<ReadinessResult>;

/** Named checks, registered by the modules that own what they check. */
export abstract class HealthCheckRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): Array<[string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }
}

/**
 * The dependencies a service needs to do its work (NATS, the database, ...). Each module that
 * owns a dependency registers its check here; /health/ready reports them all.
 */
@Injectable()
export class ReadinessRegistry extends HealthCheckRegistry {}

/**
 * Faults of the process itself that only a restart cures (work stuck with no way forward);
 * /health/live fails while one is down, so the orchestrator restarts the process. A dependency
 * that is merely away belongs in readiness: restarting does not bring it back.
 */
@Injectable()
export class LivenessRegistry extends HealthCheckRegistry {}
