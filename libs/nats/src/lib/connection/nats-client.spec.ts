import { Test } from '@nestjs/testing';
import { loadConfig, natsEnv } from '@asb/config';
import { MetricsRegistry, ReadinessRegistry } from '@asb/observability';
import { freePort, NatsTestServer } from '@asb/testing';
import { NatsClient } from './nats-client';
import { natsConnectionOptions } from './nats-connection-options';
import { NatsUnavailableError } from './nats-unavailable.error';

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('NatsClient against a server that comes and goes', () => {
  let server: NatsTestServer;

  beforeAll(async () => {
    server = new NatsTestServer(await freePort());
  });

  afterAll(async () => {
    await server.dispose();
  });

  it('waits for a server that is not up yet, reports readiness, reconnects after an outage and drains on shutdown', async () => {
    const env = loadConfig(natsEnv, {
      env: { NATS_SERVERS: server.url, NATS_RECONNECT_WAIT_MS: '100' },
    });
    const readiness = new ReadinessRegistry();
    const metrics = new MetricsRegistry('test', false);
    const moduleRef = await Test.createTestingModule({
      providers: [
        {
          provide: NatsClient,
          useFactory: () =>
            new NatsClient(natsConnectionOptions(env, 'outage-test'), readiness, metrics),
        },
      ],
    }).compile();
    const app = await moduleRef.init();
    const client = app.get(NatsClient);
    const ready = async () => (await readiness.entries()[0][1]()).up;

    expect(await ready()).toBe(false);
    expect(() => client.connection).toThrow(NatsUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 500));

    await server.start();
    await client.connected;
    expect(await ready()).toBe(true);

    await server.stop();
    await waitFor(() => !client.isConnected);
    expect(await ready()).toBe(false);

    await server.start();
    await waitFor(() => client.isConnected);
    const sub = client.connection.subscribe('ping.test', { max: 1 });
    client.connection.publish('ping.test', new TextEncoder().encode('x'));
    for await (const message of sub) expect(message.string()).toBe('x');
    expect(await metrics.registry.getSingleMetricAsString('nats_reconnects_total')).toMatch(
      /nats_reconnects_total\{service="test"\} [1-9]/,
    );

    const connection = client.connection;
    await app.close();
    expect(connection.isClosed()).toBe(true);
  }, 30_000);

  it('stops cleanly while still waiting for a first connection', async () => {
    const env = loadConfig(natsEnv, {
      env: { NATS_SERVERS: `nats://127.0.0.1:${await freePort()}`, NATS_RECONNECT_WAIT_MS: '100' },
    });
    const moduleRef = await Test.createTestingModule({
      providers: [
        {
          provide: NatsClient,
          useFactory: () => new NatsClient(natsConnectionOptions(env, 'never')),
        },
      ],
    }).compile();
    const app = await moduleRef.init();
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
