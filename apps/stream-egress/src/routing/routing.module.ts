import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { ClaimsModule } from '../claims/claims.module';
import { StreamsModule } from '../streams/streams.module';
import { OutboundRouter } from './outbound-router.service';

@Module({
  imports: [CallsModule, ClaimsModule, StreamsModule],
  providers: [OutboundRouter],
  exports: [OutboundRouter],
})
export class RoutingModule {}
