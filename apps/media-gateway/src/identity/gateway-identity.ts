import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { MediaGatewayConfig } from '../config/media-gateway.config';

/**
 * Who this gateway is, as its allocation replies and its heartbeat tell it: the configured id
 * names the instance (it survives a restart), the boot id names this process (it does not), so
 * whoever holds an allocation can tell that a gateway came back without it.
 */
@Injectable()
export class GatewayIdentity {
  readonly gatewayId: string;
  readonly bootId = randomUUID();
  /** Where Asterisk sends this gateway's RTP. */
  readonly host: string;

  constructor(
    @Inject(APP_CONFIG)
    config: Pick<MediaGatewayConfig, 'GATEWAY_ID' | 'GATEWAY_ADVERTISED_HOST'>,
  ) {
    this.gatewayId = config.GATEWAY_ID;
    this.host = config.GATEWAY_ADVERTISED_HOST;
  }
}
