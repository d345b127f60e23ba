import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { Client } from 'pg';
import { CALL_EVENTS_STREAM } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import { BlackholeProxy, freePort, NatsTestServer, POSTGRES_ADMIN_URL } from '@asb/testing';
import {
  BridgeTraffic,
  CallScript,
  databaseClient,
  dropDatabase,
  eventually,
  freshDatabase,
  readiness,
  sleep,
  startLogger,
} from '../__tests__/call-logger-harness';

const DATABASE = `asb_test_logger_partition_${process.pid}`;
/** Long enough for several query timeouts and the stuck-write bound, short enough for the suite. */
const OUTAGE_MS = 12_000;
const QUERY_TIMEOUT_MS = 1000;
const STUCK_WRITE_MS = 4000;
/** After PostgreSQL answers again, every event is stored within this. */
const RECOVERY_BOUND_MS = 10_000;
const EVENTS_PER_CALL = 7;

describe('call-logger when its PostgreSQL is partitioned away (packets dropped, no reset)', () => {
  let postgres: BlackholeProxy;
  let nats: NatsTestServer;
  let app: INestApplication;
  let bridge: BridgeTraffic;
  let db: Client;
  let liveUrl: string;

  beforeAll(async () => {
    postgres = await new BlackholeProxy(Number(new URL(POSTGRES_ADMIN_URL).port || 5432)).start();
    nats = new NatsTestServer(await freePort());
    await nats.start();
    const directUrl = await freshDatabase(DATABASE);
    const proxiedUrl = new URL(directUrl);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(postgres.port);
    app = await startLogger({
      natsUrl: nats.url,
      databaseUrl: proxiedUrl.toString(),
      env: {
        RECORDINGS_ENABLED: 'false',
        CALL_LOGGER_BATCH_SIZE: '50',
        DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
        CALL_LOGGER_STUCK_WRITE_MS: String(STUCK_WRITE_MS),
      },
    });
    await app.listen(0, '127.0.0.1');
    liveUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/health/live`;
    bridge = await BridgeTraffic.connect(nats.url);
    db = await databaseClient(directUrl);
    await eventually(
      async () => Object.values(await readiness(app)).every(Boolean),
      30_000,
      'readiness',
    );
  }, 60_000);

  afterAll(async () => {
    postgres?.resume();
    await bridge?.close();
    await app?.close();
    await db?.end();
    await nats?.dispose();
    await postgres?.stop();
    await dropDatabase(DATABASE);
  });

  const storedEvents = async () =>
    Number((await db.query(`SELECT count(*) FROM call_events`)).rows[0].count);
  const liveStatus = async () => (await fetch(liveUrl)).status;
  const unansweredConnections = async () => {
    const metric = app
      .get(MetricsRegistry)
      .registry.getSingleMetric('database_connections_unanswered_total');
    return (await metric?.get())?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
  };

  async function publishCall(at: number): Promise<void> {
    for (const event of new CallScript().fullCall(at, 4000)) await bridge.event(event);
  }

  it('fails liveness while writes are stuck, and stores every event within seconds of the return', async () => {
    const at = Date.now() - 60_000;
    for (let i = 0; i < 10; i += 1) await publishCall(at);
    await eventually(
      async () => (await storedEvents()) === 10 * EVENTS_PER_CALL,
      10_000,
      'the events before the cut',
    );
    expect(await liveStatus()).toBe(200);

    postgres.blackhole();
    const cutAt = Date.now();
    let calls = 10;
    let wentDown = false;
    while (Date.now() - cutAt < OUTAGE_MS) {
      await publishCall(at);
      calls += 1;
      if (!wentDown && (await liveStatus()) !== 200) wentDown = true;
      await sleep(200);
    }
    expect(wentDown).toBe(true);
    // The writes behind the partition did not hang: their connections were closed unanswered.
    expect(await unansweredConnections()).toBeGreaterThan(0);
    expect(Date.now() - cutAt).toBeLessThan(OUTAGE_MS + 5000);

    postgres.resume();
    const resumedAt = Date.now();
    for (let i = 0; i < 5; i += 1) await publishCall(at);
    calls += 5;
    const total = calls * EVENTS_PER_CALL;
    await eventually(
      async () => (await storedEvents()) === total,
      RECOVERY_BOUND_MS,
      `all ${total} events stored within ${RECOVERY_BOUND_MS} ms of the return`,
    );
    const recoveredInMs = Date.now() - resumedAt;
    expect(recoveredInMs).toBeLessThan(RECOVERY_BOUND_MS);
    await eventually(async () => (await liveStatus()) === 200, 5000, 'liveness back');
    const jsm = await bridge.nc.jetstreamManager();
    await eventually(
      async () => {
        const info = await jsm.consumers.info(CALL_EVENTS_STREAM, 'call-logger');
        return info.num_ack_pending + info.num_pending === 0;
      },
      10_000,
      'every event acknowledged',
    );
    expect(
      Number(
        (await db.query(`SELECT count(*) FROM calls WHERE state = 'ended' AND event_count = 7`))
          .rows[0].count,
      ),
    ).toBe(calls);
  }, 90_000);
});
