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
    }) as TrackedCall;

  it('gives back every call an earlier instance remembered, in one read', async () => {
    const registry = new CallRegistry({ ARI_APP: 'registry-test' } as AriIngestConfig, client);
    for (let n = 1; n <= 5; n += 1) await registry.remember(call('pbx1', n));
    await registry.remember(call('pbx2', 9));
    const remembered = await registry.remembered('pbx1');
    expect(remembered.map((c) => c.channelId).sort()).toEqual(
      [1, 2, 3, 4, 5].map((n) => `1796309201.${n}`),
    );
    await registry.forget('pbx1', '1796309201.3');
    expect(await registry.remembered('pbx1')).toHaveLength(4);
  });
});
