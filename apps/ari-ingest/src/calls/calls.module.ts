import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { PolicyModule } from '../policy/policy.module';
import { TapModule } from '../tap/tap.module';
import { CallRegistry } from './call-registry';
import { CallTracker } from './call-tracker.service';

@Module({
  imports: [EventsModule, PolicyModule, TapModule],
  providers: [CallRegistry, CallTracker],
  exports: [CallRegistry, CallTracker],
})
export class CallsModule {}
