import { dropMariaDatabase, eventually, freshMariaDatabase } from '@asb/testing';
import { vicidialDataSource } from '@asb/vicidial-db';
import type { DataSource } from 'typeorm';
import { AsteriskInstance, MediaPlane } from '../pbx/asterisk-instance';
import { ScenarioRun } from '../scenarios/scenario-run';
import { scenarioSchema } from '../scenarios/scenario.schema';
import { VicidialDatabaseLedger } from './vicidial-database-ledger';

const DATABASE = `asb_test_sim_ledger_${process.pid}`;

const media: MediaPlane = {
  allocateLocalPort: async () => ({ address: '127.0.0.1', port: 1 }),
  releaseLocalPort: () => undefined,
  startStream: () => undefined,
  stopStream: () => undefined,
};

describe('VicidialDatabaseLedger (real MariaDB)', () => {
  let url: string;
  let db: DataSource;

  beforeAll(async () => {
    url = await freshMariaDatabase(DATABASE);
    db = vicidialDataSource({ url, connections: 1, connectTimeoutMs: 5000 });
    await db.initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    await dropMariaDatabase(DATABASE);
  });

  it("keeps VICIdial's tables through a scenario: agents, live calls, logs and dispositions", async () => {
    const ledger = new VicidialDatabaseLedger(url);
    await ledger.flushed();
    const pbx = new AsteriskInstance('pbx1', media);
    const run = new ScenarioRun(
      scenarioSchema.parse({
        totalCalls: 4,
        concurrency: 2,
        arrivalRate: 100,
        answerRatio: 1,
        mix: { outbound: 1, inbound: 1 },
        ringMs: { min: 5, max: 10 },
        talkMs: { min: 1500, max: 2000 },
        callCodeDelayMs: { min: 0, max: 5 },
        agentsPerServer: 2,
        dispositions: ['SALE'],
        dispositionDelayMs: { min: 50, max: 100 },
      }),
      [pbx],
      'current',
      ledger,
    ).start();
    let during: Array<Record<string, unknown>> = [];
    await eventually(
      async () => {
        during = await db.query(
          `SELECT a.callerid, a.status, a.campaign_id, l.user, l.status AS agent_status
           FROM vicidial_auto_calls a JOIN vicidial_live_agents l ON l.callerid = a.callerid`,
        );
        return during.length > 0;
      },
      10_000,
      'a live call with its agent',
    );
    await run.done;
    await eventually(
      async () => {
        await ledger.flushed();
        const logged: Array<{ status: string }> = await db.query(
          `SELECT status FROM vicidial_log UNION ALL SELECT status FROM vicidial_closer_log`,
        );
        return logged.length === 4 && logged.every((row) => row.status === 'SALE');
      },
      10_000,
      'four calls disposed of in the logs',
    );
    await ledger.close();

    for (const row of during) expect(row).toMatchObject({ status: 'LIVE', agent_status: 'INCALL' });
    expect(await db.query(`SELECT count(*) AS n FROM vicidial_auto_calls`)).toEqual([{ n: '0' }]);
    expect(await db.query(`SELECT count(*) AS n FROM vicidial_live_agents`)).toEqual([{ n: '0' }]);
    const codes: Array<{ uniqueid: string; term_reason: string }> = await db.query(
      `SELECT uniqueid, term_reason FROM vicidial_log UNION ALL SELECT uniqueid, term_reason FROM vicidial_closer_log`,
    );
    expect(new Set(codes.map((c) => c.uniqueid))).toEqual(
      new Set(run.calls.map((call) => call.trunkChannelId)),
    );
    for (const { term_reason } of codes) expect(['CALLER', 'AGENT']).toContain(term_reason);
    expect(await db.query(`SELECT user, full_name FROM vicidial_users ORDER BY user`)).toEqual([
      { user: '1001', full_name: 'Agent 1001' },
      { user: '1002', full_name: 'Agent 1002' },
    ]);
    expect(ledger.failedWrites).toBe(0);
  });
});
