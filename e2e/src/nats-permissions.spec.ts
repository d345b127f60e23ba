import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import WebSocket from 'ws';
import { AUDIOSOCKET_TAPS_BUCKET, NatsUser } from '@asb/contracts';
import { dropDatabase, eventually, freshDatabase } from '@asb/testing';
import { BridgeStack } from './support/bridge-stack';
import { ShippedNats } from './support/shipped-nats';
import { WorkerProcess } from './support/transcript-worker-process';

const ADMIN = { username: 'admin', password: 'correct horse battery' };
const CLIENT_TOKEN = randomBytes(18).toString('base64url');

/**
 * Every service on a NATS that runs deploy/k8s/base/nats/nats-server.conf as shipped: each with its own
 * user, allowed only what the contracts give it. The whole path must still work, and the server
 * must have refused nothing any of them did.
 */
describe('the bridge on a NATS with one user per service and least privilege', () => {
  const database = `asb_e2e_nats_permissions_${process.pid}`;
  const nats = new ShippedNats();
  let stack: BridgeStack;
  let db: Client;
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-e2e-nats-permissions-'));

  const as = (user: NatsUser) => nats.as(user);
  const egressUrl = () => stack.streamEgress?.baseUrl ?? 'stream-egress is not running';
  const dashboardUrl = () => stack.dashboardApi?.baseUrl ?? 'dashboard-api is not running';
  const violations = () => nats.violations();

  beforeAll(async () => {
    await nats.start();
    const databaseUrl = await freshDatabase(database);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    stack = new BridgeStack({
      servers: ['pbx1'],
      env: { 'media-gateway': as('media-gateway'), 'ari-ingest': as('ari-ingest') },
      callLogger: {
        ...as('call-logger'),
        DATABASE_URL: databaseUrl,
        RECORDINGS_DIR: recordingsDir,
      },
      dashboardApi: {
        ...as('dashboard-api'),
        DATABASE_URL: databaseUrl,
        DASHBOARD_JWT_SECRET: randomBytes(32).toString('base64url'),
        DASHBOARD_ADMIN_USER: ADMIN.username,
        DASHBOARD_ADMIN_PASSWORD: ADMIN.password,
      },
      streamEgress: { ...as('stream-egress'), EGRESS_INBOUND_TOKENS: `e2e-bot=${CLIENT_TOKEN}` },
    });
    await stack.start();
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    stack?.kill();
    await db?.end();
    await dropDatabase(database);
    await nats.dispose();
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it('taps, streams, records and shows calls, and the server refuses nothing', async () => {
    // A next-call AI client of stream-egress: its claim lives in egress's KV bucket.
    const client = new WebSocket(`${egressUrl().replace('http:', 'ws:')}/v1/streams?call=next`, {
      headers: { Authorization: `Bearer ${CLIENT_TOKEN}` },
    });
    const media: unknown[] = [];
    client.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { event?: string };
      if (message.event === 'media') media.push(message);
    });
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    // The example transcript worker as `ai-worker`: it reads the call events, claims calls in
    // its KV bucket, listens and publishes transcripts, which call-logger reads from its stream.
    const worker = new WorkerProcess('e2e-permissions', nats.url, {
      NATS_USER: 'ai-worker',
      NATS_PASSWORD: nats.passwords['ai-worker'],
    });
    await worker.ready();

    const calls = await stack.runScenario({
      totalCalls: 3,
      concurrency: 3,
      arrivalRate: 10,
      answerRatio: 1,
      ringMs: { min: 100, max: 200 },
      talkMs: { min: 2000, max: 2500 },
      mix: { outbound: 1 },
    });
    expect(calls).toHaveLength(3);
    expect(media.length).toBeGreaterThan(10);
    client.close();

    await eventually(
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM calls WHERE ended_at IS NOT NULL AND answered_at IS NOT NULL`,
        );
        return rows[0].n === 3;
      },
      20_000,
      'call-logger to record the three calls',
    );
    await eventually(
      async () => {
        const { rows } = await db.query(
          `SELECT count(DISTINCT call_id)::int AS n FROM transcript_segments`,
        );
        return rows[0].n === 3;
      },
      20_000,
      "call-logger to store the worker's transcripts of the three calls",
    );
    expect(worker.said('claimed')).toHaveLength(3);
    await worker.stop();

    const login = await fetch(`${dashboardUrl()}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const page = (await (
      await fetch(`${dashboardUrl()}/api/v1/calls`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).json()) as { calls: unknown[] };
    expect(page.calls).toHaveLength(3);
    expect(violations()).toEqual([]);
  }, 120_000);

  it('lets a gateway read an AudioSocket tap ari-ingest registered, and not write one', async () => {
    const login = (user: NatsUser) =>
      connect({ servers: nats.url, user, pass: nats.passwords[user] });
    const ingest = await login('ari-ingest');
    const gateway = await login('media-gateway');
    try {
      const uuid = '6f1d2c3b-4a59-4e6d-8f70-8192a3b4c5d6';
      const written = await ingest.jetstream().views.kv(AUDIOSOCKET_TAPS_BUCKET, { history: 1 });
      await written.put(uuid, JSON.stringify({ uuid, callId: 'pbx1-1-2', track: 'caller' }));
      const read = await gateway
        .jetstream()
        .views.kv(AUDIOSOCKET_TAPS_BUCKET, { bindOnly: true, allow_direct: true });
      expect((await read.get(uuid))?.string()).toContain('pbx1-1-2');
      gateway.publish(`$KV.${AUDIOSOCKET_TAPS_BUCKET}.${uuid}`, 'forged');
      await gateway.flush();
      await eventually(
        () =>
          violations().some(
            (line) =>
              line.includes(`$KV.${AUDIOSOCKET_TAPS_BUCKET}`) && line.includes('media-gateway'),
          ),
        10_000,
        'the server to refuse the gateway writing a tap',
      );
      await written.delete(uuid);
    } finally {
      await gateway.close();
      await ingest.close();
    }
  });

  it('refuses a service what is not its own: a gateway cannot announce calls, an AI consumer cannot publish, an AI worker only transcripts, the replay tool no stats', async () => {
    const attempts: Array<[NatsUser, string]> = [
      ['media-gateway', 'call.v1.pbx1-1-2.started'],
      ['media-gateway', 'media.v1.allocate'],
      ['ai-consumer', 'audio.v1.pbx1-1-2.caller'],
      ['dashboard-api', 'call.v1.pbx1-1-2.ended'],
      ['ai-consumer', 'transcript.v1.pbx1-1-2.caller'],
      ['ai-worker', 'audio.v1.pbx1-1-2.caller'],
      ['replay', 'stats.v1.pbx1-1-2.caller'],
    ];
    for (const [user, subject] of attempts) {
      const nc: NatsConnection = await connect({
        servers: nats.url,
        user,
        pass: nats.passwords[user],
      });
      nc.publish(subject, 'forged');
      await nc.flush();
      await eventually(
        () => violations().some((line) => line.includes(`"${subject}"`) && line.includes(user)),
        10_000,
        `the server to refuse ${user} publishing ${subject}`,
      );
      await nc.close();
    }
  });
});
