import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { StatsPublisher } from './stats-publisher';

@Module({
  imports: [IdentityModule],
  providers: [StatsPublisher],
  exports: [StatsPublisher],
})
export class StatsModule {}
