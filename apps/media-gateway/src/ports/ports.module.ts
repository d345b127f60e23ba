import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { IdentityModule } from '../identity/identity.module';
import { RtpModule } from '../rtp/rtp.module';
import { AllocationService } from './allocation.service';
import { PortPool } from './port-pool';

@Module({
  imports: [IdentityModule, RtpModule],
  providers: [
    {
      provide: PortPool,
      inject: [APP_CONFIG],
      useFactory: (config: MediaGatewayConfig) =>
        new PortPool(config.GATEWAY_PORT_MIN, config.GATEWAY_PORT_MAX),
    },
    AllocationService,
  ],
  exports: [AllocationService, PortPool],
})
export class PortsModule {}
