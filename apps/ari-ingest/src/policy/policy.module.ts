import { Module } from '@nestjs/common';
import { TapPolicy } from './tap-policy';

@Module({ providers: [TapPolicy], exports: [TapPolicy] })
export class PolicyModule {}
