import type { INestApplication } from '@nestjs/common';
import type { Client } from 'pg';
import { CALL_EVENTS_STREAM } from '@asb/contracts';
import { freePort, NatsTestServer, PostgresTestServer } from '@asb/testing';
import {
  BridgeTraffic,
  CallScript,
  databaseClient,
  eventually,
  readiness,
  sleep,
  startLogger,
  statsSample,
} from '../__tests__/call-logger-harness';

const CALLS_BEFORE = 40;
const CALLS_DURING = 40;

describe('call-logger when its PostgreSQL goes away mid-run and comes back', () => {
  let postgres: PostgresTestServer;
  let nats: NatsTestServer;
  let app: INestApplication;
  let bridge: BridgeTraffic;

  beforeAll(async () => {
    postgres = new PostgresTestServer(await freePort());
    postgres.start();
    nats = new NatsTestServer(await freePort());
    await nats.start();
    app = await startLogger({
      natsUrl: nats.url,
      databaseUrl: postgres.url,
      env: { RECORDINGS_ENABLED: 'false', CALL_LOGGER_BATCH_SIZE: '50' },
    });
    bridge = await BridgeTraffic.connect(nats.url);
    await eventually(
      async () => Object.values(await readiness(app)).every(Boolean),
      30_000,
      'readiness',
    );
  }, 60_000);

  afterAll(async () => {
    await bridge?.close();
    await app?.close();
    await nats?.dispose();
    postgres?.dispose();
  });

  async function withDatabase<T>(query: (client: Client) => Promise<T>): Promise<T> {
    const client = await databaseClient(postgres.url);
    try {
      return await query(client);
    } finally {
      await client.end();
    }
  }

  const count = (sql: string) =>
    withDatabase(async (client) => Number((await client.query(sql)).rows[0].count));

  async function publishCalls(calls: CallScript[], at: number): Promise<void> {
    for (const call of calls) {
      for (const event of call.fullCall(at, 4000)) await bridge.event(event);
      bridge.stats(statsSample(call.callId, 'caller', Date.now()));
    }
  }

  it('stops acknowledging, reports not ready, and records every event exactly once when it is back', async () => {
    const at = Date.now() - 60_000;
    const before = Array.from({ length: CALLS_BEFORE }, () => new CallScript());
    const during = Array.from({ length: CALLS_DURING }, () => new CallScript());
    await publishCalls(before.slice(0, CALLS_BEFORE / 2), at);
    const publishing = publishCalls(before.slice(CALLS_BEFORE / 2), at);
    // The database dies while the logger is busy with the first calls.
    await eventually(
      async () => (await count(`SELECT count(*) FROM call_events`)) > 0,
      10_000,
      'the first events written',
    );
    postgres.stop();
    await publishing;
    await publishCalls(during, at);

    await eventually(async () => (await readiness(app)).database === false, 10_000, 'not ready');
    const jsm = await bridge.nc.jetstreamManager();
    await sleep(1500);
    const held = await jsm.consumers.info(CALL_EVENTS_STREAM, 'call-logger');
    // Everything from the outage on waits in JetStream, delivered but unacknowledged or not yet delivered.
    expect(held.num_ack_pending + held.num_pending).toBeGreaterThanOrEqual(CALLS_DURING * 7);
    expect((await readiness(app)).database).toBe(false);

    postgres.start();
    const total = (CALLS_BEFORE + CALLS_DURING) * 7;
    await eventually(
      async () => (await count(`SELECT count(*) FROM call_events`)) === total,
      45_000,
      `all ${total} events written`,
    );
    await eventually(async () => (await readiness(app)).database === true, 10_000, 'ready again');
    await eventually(
      async () => {
        const info = await jsm.consumers.info(CALL_EVENTS_STREAM, 'call-logger');
        return info.num_ack_pending + info.num_pending === 0;
      },
      10_000,
      'every event acknowledged',
    );
    await sleep(500);
    expect(await count(`SELECT count(*) FROM call_events`)).toBe(total);
    expect(await count(`SELECT count(*) FROM calls`)).toBe(CALLS_BEFORE + CALLS_DURING);
    expect(
      await count(
        `SELECT count(*) FROM calls WHERE state = 'ended' AND event_count = 7 AND duration_ms = 5000 AND talk_ms = 4000`,
      ),
    ).toBe(CALLS_BEFORE + CALLS_DURING);
    expect(await count(`SELECT count(*) FROM streams WHERE state = 'stopped'`)).toBe(
      (CALLS_BEFORE + CALLS_DURING) * 2,
    );
    expect(await count(`SELECT count(*) FROM dead_letters`)).toBe(0);
  }, 120_000);
});
