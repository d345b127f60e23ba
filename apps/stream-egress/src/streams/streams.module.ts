import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module';
import { ClaimsModule } from '../claims/claims.module';
import { EventsModule } from '../events/events.module';
import { MetricsModule } from '../metrics/metrics.module';
import { EgressStreamFactory } from './egress-stream.factory';
import { SocketBatcher } from './socket-batcher';

@Module({
  imports: [AudioModule, ClaimsModule, EventsModule, MetricsModule],
  providers: [EgressStreamFactory, SocketBatcher],
  exports: [EgressStreamFactory, SocketBatcher],
})
export class StreamsModule {}
