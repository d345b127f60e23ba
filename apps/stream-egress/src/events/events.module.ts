import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { EgressEventSink } from './egress-event.sink';

@Module({ imports: [MetricsModule], providers: [EgressEventSink], exports: [EgressEventSink] })
export class EventsModule {}
