import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { EventsModule } from '../events/events.module';
import { PolicyModule } from '../policy/policy.module';
import { VicidialEnricher } from './vicidial-enricher.service';

/** VICIdial's database as a source of each call's details (optional: VICIDIAL_DB_URL). */
@Module({
  imports: [CallsModule, EventsModule, PolicyModule],
  providers: [VicidialEnricher],
})
export class VicidialModule {}
