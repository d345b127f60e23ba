import { Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { EventsModule } from '../events/events.module';
import { MediaAllocator } from './media-allocator';
import { TapOrchestrator } from './tap-orchestrator.service';

@Module({
  imports: [EventsModule, GatewaysModule],
  providers: [MediaAllocator, TapOrchestrator],
  exports: [TapOrchestrator],
})
export class TapModule {}
