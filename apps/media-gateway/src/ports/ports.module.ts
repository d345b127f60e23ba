import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { RtpModule } from '../rtp/rtp.module';
import { AllocationService } from './allocation.service';
import { PortPool } from './port-pool';

@Module({
  imports: [RtpModule],
  providers: [
    {
      provide: PortPool,
      inject: [APP_CONFIG],
      useFactory: (config: MediaGatewayConfig) =>
        new PortPool(config.GATEWAY_PORT_MIN, config.GATEWAY_PORT_MAX),
    },
    AllocationService,
  ],
})
export class PortsModule {}
