import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { PolicyModule } from '../policy/policy.module';
import { TapModule } from '../tap/tap.module';
import { CallTracker } from './call-tracker.service';

@Module({
  imports: [EventsModule, PolicyModule, TapModule],
  providers: [CallTracker],
  exports: [CallTracker],
})
export class CallsModule {}
