import { Module } from '@nestjs/common';
import { EgressMetrics } from './egress-metrics';

@Module({ providers: [EgressMetrics], exports: [EgressMetrics] })
export class MetricsModule {}
