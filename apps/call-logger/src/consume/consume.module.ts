import { Module } from '@nestjs/common';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { RecordingsModule } from '../recordings/recordings.module';
import { RecordsModule } from '../records/records.module';
import { CallEventConsumer } from './call-event-consumer.service';
import { StatsSubscriber } from './stats-subscriber.service';

@Module({
  imports: [RecordsModule, RecordingsModule, DeadLettersModule],
  providers: [CallEventConsumer, StatsSubscriber],
})
export class ConsumeModule {}
