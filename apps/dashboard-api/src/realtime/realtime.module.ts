import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LiveModule } from '../live/live.module';
import { LiveBroadcaster } from './live-broadcaster.service';
import { LiveListenService } from './live-listen.service';
import { LiveTranscriptRelay } from './live-transcript-relay.service';
import { LiveGateway } from './live.gateway';

@Module({
  imports: [LiveModule, AuditModule],
  providers: [LiveGateway, LiveBroadcaster, LiveListenService, LiveTranscriptRelay],
})
export class RealtimeModule {}
