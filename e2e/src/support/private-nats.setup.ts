// eslint-disable-next-line @nx/enforce-module-boundaries -- Jest loads global hooks without the path aliases
import { freePort, NatsTestServer } from '../../../libs/testing/src/lib/nats-test-server';

/** Where the run's server is kept for private-nats.teardown.ts (Jest shares globals between them). */
export const PRIVATE_NATS_KEY = '__asbE2eNats';

/**
 * The cross-service tests run on a nats-server of their own, started for the run and removed
 * after it: their calls never reach a stream that anyone else reads (a demo, another suite on
 * the machine's shared server), and what others left there never reaches them. NATS_URL set
 * beforehand is used instead.
 */
export default async function startPrivateNats(): Promise<void> {
  if (process.env['NATS_URL']) return;
  const server = new NatsTestServer(await freePort());
  await server.start();
  (globalThis as Record<string, unknown>)[PRIVATE_NATS_KEY] = server;
  // Read by support/workspace.ts in every worker (they start after this, with this environment).
  process.env['NATS_URL'] = server.url;
}
