import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { ClaimStore } from './claim-store';

@Module({ imports: [MetricsModule], providers: [ClaimStore], exports: [ClaimStore] })
export class ClaimsModule {}
