import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { EventsModule } from '../events/events.module';
import { AudioVerdicts } from './audio-verdicts.service';

/** Verdicts on each call's audio and its talk time, from the gateways' analysis. */
@Module({ imports: [CallsModule, EventsModule], providers: [AudioVerdicts] })
export class AudioModule {}
