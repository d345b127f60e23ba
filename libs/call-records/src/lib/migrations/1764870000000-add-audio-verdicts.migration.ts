import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the bridge judged of a call's audio: the verdicts raised while it was up (to find calls
 * that had any) and its talk time once it ended. Earlier rows had none of either.
 */
export class AddAudioVerdicts1764870000000 implements MigrationInterface {
  name = 'AddAudioVerdicts1764870000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE calls
        ADD COLUMN audio_verdicts varchar(32)[] NOT NULL DEFAULT '{}',
        ADD COLUMN talk_heard_s real,
        ADD COLUMN customer_talk_s real,
        ADD COLUMN agent_talk_s real,
        ADD COLUMN overlap_s real,
        ADD COLUMN longest_silence_s real`);
    await runner.query(`CREATE INDEX calls_audio_verdicts_idx ON calls USING gin (audio_verdicts)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX calls_audio_verdicts_idx`);
    await runner.query(`
      ALTER TABLE calls
        DROP COLUMN audio_verdicts, DROP COLUMN talk_heard_s, DROP COLUMN customer_talk_s,
        DROP COLUMN agent_talk_s, DROP COLUMN overlap_s, DROP COLUMN longest_silence_s`);
  }
}
