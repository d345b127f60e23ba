import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { AudioVerdicts } from './audio-verdicts.service';

/** Verdicts on each call's audio and its talk time, from the gateways' analysis. */
@Module({ imports: [EventsModule], providers: [AudioVerdicts] })
export class AudioModule {}
