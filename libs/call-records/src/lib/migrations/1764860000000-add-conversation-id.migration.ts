import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customer conversation a call is a leg of (the callId of its first leg): a transfer to
 * another server's in-group, a 3-way or consultative transfer make more than one call of it.
 * Earlier rows are conversations of their own.
 */
export class AddConversationId1764860000000 implements MigrationInterface {
  name = 'AddConversationId1764860000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE calls ADD COLUMN conversation_id varchar(128)`);
    await runner.query(`UPDATE calls SET conversation_id = call_id`);
    await runner.query(`ALTER TABLE calls ALTER COLUMN conversation_id SET NOT NULL`);
    await runner.query(
      `CREATE INDEX calls_conversation_id_idx ON calls (conversation_id, started_at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX calls_conversation_id_idx`);
    await runner.query(`ALTER TABLE calls DROP COLUMN conversation_id`);
  }
}
