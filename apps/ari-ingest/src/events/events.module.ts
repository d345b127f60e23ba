import { Module } from '@nestjs/common';
import { CallEventSink } from './call-event-sink';

@Module({ providers: [CallEventSink], exports: [CallEventSink] })
export class EventsModule {}
