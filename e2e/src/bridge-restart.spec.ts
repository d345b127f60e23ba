import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { dropDatabase, eventually, freePort, freshDatabase, NatsTestServer } from '@asb/testing';
import { BridgeStack } from './support/bridge-stack';

const ADMIN = { username: 'supervisor', password: 'e2e restart password' };
const CALLS = 4;

interface LiveCallView {
  callId: string;
  state: string;
  tracks: Record<string, { tap: string }>;
}

/**
 * The demo stopped with Ctrl-C and started again: the calls of the previous run are gone with
 * its simulated PBX, and nobody saw them end. The bridge must settle at once which calls are
 * live (none), and record those calls' ends as unknown, not at the time they were found gone.
 * A private NATS: the dashboard replays the whole call events stream.
 */
describe('a bridge stopped and started again as a whole', () => {
  const database = `asb_e2e_restart_${process.pid}_${randomBytes(3).toString('hex')}`;
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-e2e-restart-'));
  let nats: NatsTestServer;
  let stack: BridgeStack;
  let db: Client;

  const liveCalls = async (): Promise<LiveCallView[]> => {
    const base = stack.dashboardApi?.baseUrl;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const response = await fetch(`${base}/api/v1/live/calls`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return ((await response.json()) as { calls: LiveCallView[] }).calls;
  };

  beforeAll(async () => {
    nats = new NatsTestServer(await freePort());
    await nats.start();
    const databaseUrl = await freshDatabase(database);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    stack = await new BridgeStack({
      servers: ['pbx1'],
      natsUrl: nats.url,
      callLogger: { DATABASE_URL: databaseUrl, RECORDINGS_DIR: recordingsDir },
      dashboardApi: {
        DATABASE_URL: databaseUrl,
        DASHBOARD_JWT_SECRET: randomBytes(32).toString('base64url'),
        DASHBOARD_ADMIN_USER: ADMIN.username,
        DASHBOARD_ADMIN_PASSWORD: ADMIN.password,
      },
    }).start();
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    stack?.kill();
    await db?.end();
    await nats?.dispose();
    await dropDatabase(database);
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it('shows none of the previous run as live once it is back, and records their ends as not seen', async () => {
    await stack.control('POST', '/sim/scenarios', {
      totalCalls: CALLS,
      concurrency: CALLS,
      arrivalRate: 20,
      answerRatio: 1,
      ringMs: { min: 100, max: 200 },
      talkMs: { min: 300_000, max: 300_000 },
      mix: { outbound: 1 },
      seed: 71,
    });
    let calls: LiveCallView[] = [];
    await eventually(
      async () => {
        calls = await liveCalls();
        return (
          calls.length === CALLS &&
          calls.every((c) => c.state === 'answered' && c.tracks['caller']?.tap === 'tapped')
        );
      },
      30_000,
      `${CALLS} answered, tapped calls on the live view`,
    );
    const ids = calls.map((c) => c.callId).sort();
    const stoppingAt = Date.now();

    await stack.restartAll();
    const readyAt = Date.now();
    await eventually(async () => (await liveCalls()).length === 0, 10_000, 'no live call');
    const settledMs = Date.now() - readyAt;
    // Not made to wait for a periodic pass (60 s): settled by the first one, after the connect.
    expect(settledMs).toBeLessThan(10_000);

    await eventually(
      async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM calls WHERE state = 'ended' AND call_id = ANY($1)`,
            [ids],
          )
        ).rows[0].n === CALLS,
      15_000,
      'the calls recorded as ended',
    );
    const rows = (
      await db.query(
        `SELECT call_id, ended_at, end_not_before, end_not_after, duration_ms, talk_ms,
                end_reconciled FROM calls WHERE call_id = ANY($1) ORDER BY call_id`,
        [ids],
      )
    ).rows as Array<Record<string, unknown> & { end_not_before: Date; end_not_after: Date }>;
    for (const row of rows) {
      expect(row).toMatchObject({
        ended_at: null,
        duration_ms: null,
        talk_ms: null,
        end_reconciled: true,
      });
      // Known up until the stopping instance said so; found gone only after the restart.
      expect(row.end_not_before.getTime()).toBeGreaterThanOrEqual(stoppingAt - 1000);
      expect(row.end_not_before.getTime()).toBeLessThanOrEqual(row.end_not_after.getTime());
      expect(row.end_not_after.getTime()).toBeGreaterThan(stoppingAt);
    }
    expect(rows.map((r) => r['call_id'])).toEqual(ids);
  });
});
