import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A call whose end was found rather than seen (the bridge was away when it hung up) has no end
 * time: it gets the window its end lies in instead, and no durations. Rows written before kept
 * the time of the finding as their end; they are turned into windows too.
 */
export class AddEndWindow1764850000000 implements MigrationInterface {
  name = 'AddEndWindow1764850000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE calls
        ADD COLUMN end_not_before timestamptz,
        ADD COLUMN end_not_after timestamptz`);
    await runner.query(`
      UPDATE calls SET end_not_after = ended_at, end_not_before = last_event_at,
                       ended_at = NULL, duration_ms = NULL, talk_ms = NULL
      WHERE end_reconciled AND ended_at IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      UPDATE calls SET ended_at = end_not_after WHERE end_reconciled AND ended_at IS NULL`);
    await runner.query(`ALTER TABLE calls DROP COLUMN end_not_before, DROP COLUMN end_not_after`);
  }
}
