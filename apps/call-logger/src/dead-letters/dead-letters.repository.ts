import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeadLetterRow, deadLetterJson, INSERT_DEAD_LETTERS_SQL } from './dead-letter-row';

/** Parks messages outside a call event batch (stats samples). */
@Injectable()
export class DeadLettersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async park(rows: DeadLetterRow[]): Promise<void> {
    await this.dataSource.query(INSERT_DEAD_LETTERS_SQL, [
      JSON.stringify(rows.map(deadLetterJson)),
    ]);
  }
}
