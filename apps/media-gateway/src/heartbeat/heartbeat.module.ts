import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { PortsModule } from '../ports/ports.module';
import { HeartbeatPublisher } from './heartbeat-publisher';

/** Imports PortsModule so that, at shutdown, the draining beat goes out before the releases. */
@Module({
  imports: [IdentityModule, PortsModule],
  providers: [HeartbeatPublisher],
})
export class HeartbeatModule {}
