import { Module } from '@nestjs/common';
import { LeaderLease } from './leader-lease.service';

@Module({ providers: [LeaderLease], exports: [LeaderLease] })
export class LeaderModule {}
