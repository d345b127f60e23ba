import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { ClaimsModule } from '../claims/claims.module';
import { MetricsModule } from '../metrics/metrics.module';
import { StreamsModule } from '../streams/streams.module';
import { InboundStreamsGateway } from './inbound-streams.gateway';

@Module({
  imports: [CallsModule, ClaimsModule, MetricsModule, StreamsModule],
  providers: [InboundStreamsGateway],
  exports: [InboundStreamsGateway],
})
export class InboundModule {}
