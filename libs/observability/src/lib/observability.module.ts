import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { HealthCheckLogger } from './health/health-check-logger';
import { HealthController } from './health/health.controller';
import { LivenessRegistry, ReadinessRegistry } from './health/readiness-registry';
import { LoggingOptions, pinoParams } from './logging/pino-options';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsRegistry } from './metrics/metrics.registry';

export type ObservabilityOptions = LoggingOptions;

/** Structured logs, /metrics and /health/{live,ready} for one service. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [
        LoggerModule.forRoot(pinoParams(options)),
        TerminusModule.forRoot({ errorLogStyle: 'json', logger: HealthCheckLogger }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        ReadinessRegistry,
        LivenessRegistry,
        { provide: MetricsRegistry, useFactory: () => new MetricsRegistry(options.serviceName) },
      ],
      exports: [ReadinessRegistry, LivenessRegistry, MetricsRegistry],
    };
  }
}
