import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { PolicyModule } from '../policy/policy.module';
import { Reconciler } from './reconciler.service';

@Module({ imports: [CallsModule, PolicyModule], providers: [Reconciler], exports: [Reconciler] })
export class ReconcileModule {}
