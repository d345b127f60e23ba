import { dropMariaDatabase, freshMariaDatabase } from '@asb/testing';
import type { DataSource } from 'typeorm';
import { vicidialDataSource } from './vicidial-data-source';
import { createVicidialTables, VICIDIAL_TABLES } from './vicidial-tables';

const DATABASE = `asb_test_vicidial_tables_${process.pid}`;

describe('VICIdial tables (real MariaDB)', () => {
  let db: DataSource;

  beforeAll(async () => {
    const url = await freshMariaDatabase(DATABASE);
    db = vicidialDataSource({ url, connections: 2, connectTimeoutMs: 5000 });
    await db.initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    await dropMariaDatabase(DATABASE);
  });

  it('creates every table as VICIdial does (MyISAM, live calls in memory), and leaves existing ones alone', async () => {
    await createVicidialTables((sql) => db.query(sql));
    await db.query(
      `INSERT INTO vicidial_campaigns (campaign_id, campaign_name, active) VALUES ('SALES', 'Sales', 'Y')`,
    );
    await createVicidialTables((sql) => db.query(sql));
    const tables: Array<{ name: string; engine: string }> = await db.query(
      `SELECT table_name AS name, engine FROM information_schema.tables WHERE table_schema = ?`,
      [DATABASE],
    );
    expect(tables.map((t) => t.name).sort()).toEqual(Object.keys(VICIDIAL_TABLES).sort());
    expect(Object.fromEntries(tables.map((t) => [t.name, t.engine]))).toMatchObject({
      vicidial_auto_calls: 'MEMORY',
      vicidial_live_agents: 'MyISAM',
      vicidial_log: 'MyISAM',
    });
    expect(new Set(tables.map((t) => t.engine))).toEqual(new Set(['MyISAM', 'MEMORY']));
    expect(await db.query(`SELECT campaign_name FROM vicidial_campaigns`)).toEqual([
      { campaign_name: 'Sales' },
    ]);
  });

  it("keeps VICIdial's types: a 20-character call code, an unsigned lead id, its status values", async () => {
    await db.query(
      `INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, callerid, call_type)
       VALUES ('10.0.0.5', 'SALES', 'LIVE', 4294967295, 'V1124150300000012345', 'OUT')`,
    );
    await expect(
      db.query(
        `INSERT INTO vicidial_auto_calls (server_ip, lead_id, status) VALUES ('x', 1, 'NOPE')`,
      ),
    ).rejects.toThrow(/status/);
    expect(await db.query(`SELECT lead_id, callerid FROM vicidial_auto_calls`)).toEqual([
      { lead_id: 4294967295, callerid: 'V1124150300000012345' },
    ]);
  });
});
