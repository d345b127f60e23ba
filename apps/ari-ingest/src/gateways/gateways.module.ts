import { Module } from '@nestjs/common';
import { GatewayWatch } from './gateway-watch.service';

/** Which media-gateway processes are alive, from their heartbeats. */
@Module({ providers: [GatewayWatch], exports: [GatewayWatch] })
export class GatewaysModule {}
