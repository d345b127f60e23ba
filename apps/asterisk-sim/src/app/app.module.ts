import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@asb/config';
import { ObservabilityModule } from '@asb/observability';
import type { AsteriskSimConfig } from '../config/asterisk-sim.config';
import { SimulatorControlController } from '../control/simulator-control.controller';
import { SimulatorService } from '../simulator/simulator.service';

@Module({})
export class AppModule {
  static register(config: AsteriskSimConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule.forRoot({
          serviceName: 'asterisk-sim',
          level: config.LOG_LEVEL,
          pretty: config.LOG_PRETTY,
        }),
      ],
      controllers: [SimulatorControlController],
      providers: [SimulatorService],
    };
  }
}
