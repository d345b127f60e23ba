import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { eventually, freePort, NatsTestServer } from '@asb/testing';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { LeaderLease } from './leader-lease.service';

/**
 * The lease on a private nats-server that the tests freeze (SIGSTOP): connections stay open and
 * nothing is answered, as when NATS stalls without a reset.
 */
describe('LeaderLease through NATS stalls', () => {
  let server: NatsTestServer;
  const clients: NatsClient[] = [];
  const leases: LeaderLease[] = [];

  beforeAll(async () => {
    server = new NatsTestServer(await freePort());
    await server.start();
  });

  afterEach(async () => {
    server.resume();
    await Promise.all(leases.splice(0).map((lease) => lease.release()));
    await Promise.all(clients.splice(0).map((client) => client.onApplicationShutdown()));
  });

  afterAll(async () => {
    await server.dispose();
  });

  async function lease(
    ttlMs: number,
    app: string,
  ): Promise<{ lease: LeaderLease; roles: boolean[] }> {
    const client = new NatsClient({ servers: server.url });
    client.onModuleInit();
    await client.connected;
    clients.push(client);
    const config = { ARI_APP: app, LEADER_LEASE_TTL_MS: ttlMs } as AriIngestConfig;
    const created = new LeaderLease(config, client, new MetricsRegistry('test', false));
    leases.push(created);
    const roles: boolean[] = [];
    created.start((leading) => roles.push(leading));
    await eventually(() => roles.length > 0, 10_000, 'a first role');
    return { lease: created, roles };
  }

  it('keeps the lease through a stall that fails a renewal but ends before the lease does', async () => {
    // Renewals every ~6.7 s; the one due during the stall times out (JetStream's 5 s) at ~11.7 s
    // and is retried; the stall ends at 13 s, well before the lease would expire at 20 s.
    const { lease: held, roles } = await lease(20_000, `stall${Date.now()}`);
    expect(roles).toEqual([true]);
    server.pause();
    await new Promise((resolve) => setTimeout(resolve, 13_000));
    server.resume();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(roles).toEqual([true]);
    expect(held.isLeader).toBe(true);
  }, 40_000);

  it('stands by once the lease has really expired, and takes it back after the stall', async () => {
    const { lease: held, roles } = await lease(3000, `expiry${Date.now()}`);
    expect(roles).toEqual([true]);
    server.pause();
    await eventually(() => roles.length === 2, 10_000, 'standing by');
    expect(roles).toEqual([true, false]);
    server.resume();
    await eventually(() => held.isLeader, 15_000, 'the lease back');
  }, 30_000);
});
