import { Module } from '@nestjs/common';
import { DatabaseWriteHealth } from './database-write-health';

@Module({
  providers: [DatabaseWriteHealth],
  exports: [DatabaseWriteHealth],
})
export class HealthModule {}
