import { ARI_INGEST_CALLS_BUCKET } from '@asb/contracts';
import {
  ADMIN,
  eventually,
  freshDatabase,
  startApi,
  SyntheticCall,
  TestApi,
  TestNats,
} from '../../__tests__/dashboard-api-harness';

const encoder = new TextEncoder();

/**
 * A replay of the call events brings back every call whose end was never published (a previous
 * run's calls, another ARI app's). The live view must show only the calls an ari-ingest follows,
 * which its registry (a NATS KV bucket) lists.
 */
describe('dashboard-api live view against the calls ari-ingest follows (real NATS)', () => {
  let nats: TestNats;
  let databaseUrl: string;
  let api: TestApi | undefined;

  beforeAll(async () => {
    nats = await TestNats.start();
    databaseUrl = await freshDatabase('asb_dashboard_api_followed');
  });

  afterAll(async () => {
    await api?.close();
    await nats?.stop();
  });

  const liveIds = async (token: string): Promise<string[]> => {
    const response = await api!.request('GET', '/api/v1/live/calls', { token });
    const { calls } = (await response.json()) as { calls: Array<{ callId: string }> };
    return calls.map((c) => c.callId).sort();
  };

  it('takes calls no ari-ingest follows off the live view as soon as it starts, and keeps the followed', async () => {
    const kv = await nats.nc.jetstream().views.kv(ARI_INGEST_CALLS_BUCKET, { history: 1 });
    const minuteAgo = new Date(Date.now() - 60_000);
    const followed = new SyntheticCall();
    const ghost = new SyntheticCall();
    await kv.put(
      `app.pbx1.${followed.callId.replace(/\W/g, '_')}`,
      encoder.encode(JSON.stringify({ callId: followed.callId, server: 'pbx1' })),
    );
    for (const call of [followed, ghost]) {
      await nats.publishEvent(call.started(minuteAgo));
      await nats.publishEvent(call.answered(minuteAgo));
    }

    api = await startApi(nats, databaseUrl);
    const token = await api.login(ADMIN.username, ADMIN.password);
    await eventually(
      async () => (await liveIds(token)).join() === followed.callId,
      10_000,
      'only the followed call live',
    );

    // The registry's purge at a call's end is followed too (the `ended` itself may be lost).
    await kv.purge(`app.pbx1.${followed.callId.replace(/\W/g, '_')}`);
    await eventually(async () => (await liveIds(token)).length === 0, 15_000, 'no call live');
    const metrics = await (await api.request('GET', '/metrics')).text();
    expect(metrics).toMatch(/^dashboard_live_unfollowed_calls_total{[^}]*} 2$/m);
  });
});
