import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module';
import { CallsModule } from '../calls/calls.module';
import { DtmfModule } from '../dtmf/dtmf.module';
import { EventsModule } from '../events/events.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { LeaderModule } from '../leader/leader.module';
import { ReconcileModule } from '../reconcile/reconcile.module';
import { VicidialModule } from '../vicidial/vicidial.module';
import { AsteriskWatch } from './asterisk-watch.service';

/** The ARI sessions to every Asterisk server and what their events drive. */
@Module({
  imports: [
    AudioModule,
    CallsModule,
    DtmfModule,
    EventsModule,
    GatewaysModule,
    LeaderModule,
    ReconcileModule,
    VicidialModule,
  ],
  providers: [AsteriskWatch],
})
export class AriModule {}
