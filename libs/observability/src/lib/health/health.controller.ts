import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HealthCheckRegistry, LivenessRegistry, ReadinessRegistry } from './readiness-registry';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} check timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
    private readonly liveness: LivenessRegistry,
  ) {}

  /**
   * The process is alive, its event loop turns and nothing registered as needing a restart is
   * down; dependencies do not matter here.
   */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) }),
      ...this.indicatorsOf(this.liveness),
    ]);
  }

  /** Every dependency the service needs is reachable (503 otherwise). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.indicatorsOf(this.readiness));
  }

  private indicatorsOf(registry: HealthCheckRegistry) {
    return registry.entries().map(([name, check]) => async () => {
      const session = this.indicators.check(name);
      try {
        const result = await withTimeout(Promise.resolve(check()), CHECK_TIMEOUT_MS, name);
        return result.up ? session.up(result.detail ?? {}) : session.down(result.detail ?? {});
      } catch (error) {
        return session.down({ message: (error as Error).message });
      }
    });
  }
}
