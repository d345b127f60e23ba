import { Module } from '@nestjs/common';
import { CallRecordsRepository } from './call-records.repository';
import { CallsController } from './calls.controller';
import { CallsService } from './calls.service';

@Module({
  controllers: [CallsController],
  providers: [CallRecordsRepository, CallsService],
  exports: [CallRecordsRepository],
})
export class CallsModule {}
