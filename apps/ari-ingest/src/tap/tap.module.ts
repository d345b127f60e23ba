import { Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { EventsModule } from '../events/events.module';
import { AudioSocketTapRegistry } from './audiosocket-tap-registry';
import { MediaAllocator } from './media-allocator';
import { PbxMediaSources } from './pbx-media-sources';
import { TapOrchestrator } from './tap-orchestrator.service';

@Module({
  imports: [EventsModule, GatewaysModule],
  providers: [AudioSocketTapRegistry, MediaAllocator, PbxMediaSources, TapOrchestrator],
  exports: [TapOrchestrator],
})
export class TapModule {}
