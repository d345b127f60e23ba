import { Module } from '@nestjs/common';
import { GatewayIdentity } from './gateway-identity';

@Module({
  providers: [GatewayIdentity],
  exports: [GatewayIdentity],
})
export class IdentityModule {}
