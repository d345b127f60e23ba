import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What VICIdial's database tells about a call besides its call code: campaign and in-group names,
 * the lead's list, the agent's name, phone and room, and the status (disposition) and term reason
 * from VICIdial's log.
 */
export class AddVicidialDetails1764800000000 implements MigrationInterface {
  name = 'AddVicidialDetails1764800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE calls
        ADD COLUMN campaign_name varchar(256),
        ADD COLUMN in_group varchar(256),
        ADD COLUMN in_group_name varchar(256),
        ADD COLUMN list_id bigint,
        ADD COLUMN agent_name varchar(256),
        ADD COLUMN agent_phone varchar(256),
        ADD COLUMN conference varchar(256),
        ADD COLUMN vicidial_status varchar(256),
        ADD COLUMN term_reason varchar(256)`);
    await runner.query(
      `CREATE INDEX calls_in_group_started_at_idx ON calls (in_group, started_at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX calls_in_group_started_at_idx`);
    await runner.query(`
      ALTER TABLE calls
        DROP COLUMN campaign_name, DROP COLUMN in_group, DROP COLUMN in_group_name,
        DROP COLUMN list_id, DROP COLUMN agent_name, DROP COLUMN agent_phone,
        DROP COLUMN conference, DROP COLUMN vicidial_status, DROP COLUMN term_reason`);
  }
}
