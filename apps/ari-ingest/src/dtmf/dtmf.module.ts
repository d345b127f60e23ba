import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { EventsModule } from '../events/events.module';
import { DtmfPublisher } from './dtmf-publisher.service';

@Module({
  imports: [CallsModule, EventsModule],
  providers: [DtmfPublisher],
  exports: [DtmfPublisher],
})
export class DtmfModule {}
