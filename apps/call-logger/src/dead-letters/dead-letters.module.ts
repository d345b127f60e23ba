import { Module } from '@nestjs/common';
import { DeadLetterService } from './dead-letter.service';
import { DeadLettersRepository } from './dead-letters.repository';

@Module({
  providers: [DeadLettersRepository, DeadLetterService],
  exports: [DeadLetterService],
})
export class DeadLettersModule {}
