import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { CallAudioHub } from './call-audio.hub';

@Module({ imports: [MetricsModule], providers: [CallAudioHub], exports: [CallAudioHub] })
export class AudioModule {}
