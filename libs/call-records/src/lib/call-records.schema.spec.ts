import { DataSource } from 'typeorm';
import { dropDatabase, freshDatabase } from '@asb/testing';
import {
  CALL_RECORD_ENTITIES,
  CALL_RECORD_MIGRATIONS,
  CALL_RECORDS_MIGRATIONS_TABLE,
} from './call-records.schema';
import { CallRecord } from './entities/call-record.entity';

const DATABASE = `asb_test_call_records_${process.pid}`;

describe('call records schema (real PostgreSQL)', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource({
      type: 'postgres',
      url: await freshDatabase(DATABASE),
      entities: CALL_RECORD_ENTITIES,
      migrations: CALL_RECORD_MIGRATIONS,
      migrationsTableName: CALL_RECORDS_MIGRATIONS_TABLE,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE);
  });

  it('migrates to exactly what the entities describe', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('reads rows through the entities with numbers and dates', async () => {
    await dataSource.query(
      `INSERT INTO calls (call_id, conversation_id, server, channel_id, channel_name, state, started_at, lead_id, event_count, last_event_at)
       VALUES ('pbx1-1-1', 'pbx1-1-1', 'pbx1', '1.1', 'SIP/x', 'started', now(), 9999999999, 1, now())`,
    );
    const call = await dataSource.getRepository(CallRecord).findOneByOrFail({ callId: 'pbx1-1-1' });
    expect(call.leadId).toBe(9_999_999_999);
    expect(call.startedAt).toBeInstanceOf(Date);
    expect(call.tapped).toBe(false);
  });

  it('migrates down and up again', async () => {
    for (const _migration of CALL_RECORD_MIGRATIONS) await dataSource.undoLastMigration();
    expect(
      await dataSource.query(
        `SELECT to_regclass('calls') IS NULL AND to_regclass('stream_runs') IS NULL AS gone`,
      ),
    ).toEqual([{ gone: true }]);
    await dataSource.runMigrations();
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM calls`)).toEqual([{ n: 0 }]);
  });
});
