import { NatsClient } from '@asb/nats';
import { freePort, NatsTestServer } from '@asb/testing';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { CallRegistry } from './call-registry';
import type { TrackedCall } from './tracked-call';

describe('CallRegistry', () => {
  let server: NatsTestServer;
  let client: NatsClient;

  beforeAll(async () => {
    server = new NatsTestServer(await freePort());
    await server.start();
    client = new NatsClient({ servers: server.url });
    client.onModuleInit();
    await client.connected;
  });

  afterAll(async () => {
    await client.onApplicationShutdown();
    await server.dispose();
  });

  const call = (server: string, n: number) =>
    ({
      callId: `${server}-1796309201-${n}`,
      server,
      channelId: `1796309201.${n}`,
      channelName: `SIP/carrier-0000000${n}`,
      phase: 'answered',
      taps: new Map(),
      lastSeenAt: new Date(Date.UTC(2026, 11, 4, 10, n)),
    }) as TrackedCall;

  it('gives back every call an earlier instance remembered, in one read', async () => {
    const registry = new CallRegistry({ ARI_APP: 'registry-test' } as AriIngestConfig, client);
    for (let n = 1; n <= 5; n += 1) await registry.remember(call('pbx1', n));
    await registry.remember(call('pbx2', 9));
    const remembered = await registry.remembered('pbx1');
    expect(remembered.map((c) => c.channelId).sort()).toEqual(
      [1, 2, 3, 4, 5].map((n) => `1796309201.${n}`),
    );
    expect(remembered.every((c) => c.runningTaps?.length === 0)).toBe(true);
    // The next instance ends a vanished call as found after the last time it was known up.
    expect(remembered.find((c) => c.channelId === '1796309201.2')?.lastSeenAt).toBe(
      '2026-12-04T10:02:00.000Z',
    );
    await registry.forget('pbx1', '1796309201.3');
    expect(await registry.remembered('pbx1')).toHaveLength(4);
  });

  it("keeps a call's running taps, for another instance to adopt", async () => {
    const registry = new CallRegistry({ ARI_APP: 'registry-taps' } as AriIngestConfig, client);
    const tapped = call('pbx1', 7);
    const ids = { snoop: 'asb-s-x', externalMedia: 'asb-e-x', bridge: 'asb-b-x' };
    const allocation = {
      allocationId: 'a1',
      gatewayId: 'gw-a',
      bootId: '6c4d1f0e-2b7a-4c8e-9f3d-1a2b3c4d5e6f',
      host: '127.0.0.1',
      port: 40000,
    };
    tapped.taps.set('caller', {
      track: 'caller',
      ids,
      allocation,
      ready: Promise.resolve(true),
      running: true,
      stopped: false,
      quickLosses: 0,
      cancel: new AbortController(),
    });
    tapped.taps.set('agent', {
      track: 'agent',
      ids: { ...ids, snoop: 'asb-s-y' },
      ready: Promise.resolve(false),
      running: false,
      stopped: false,
      quickLosses: 0,
      cancel: new AbortController(),
    });
    const audioSocket = { uuid: '0f6f8c0e-5d8a-4c1b-9e2f-3a4b5c6d7e8f', address: 'gw.asb:9092' };
    tapped.taps.set('mixed', {
      track: 'mixed',
      ids: { ...ids, snoop: 'asb-s-z' },
      audioSocket,
      ready: Promise.resolve(true),
      running: true,
      stopped: false,
      quickLosses: 0,
      cancel: new AbortController(),
    });
    await registry.remember(tapped);
    const [remembered] = await registry.remembered('pbx1');
    expect(remembered.runningTaps).toEqual([
      { track: 'caller', ids, allocation },
      { track: 'mixed', ids: { ...ids, snoop: 'asb-s-z' }, audioSocket },
    ]);
  });
});
