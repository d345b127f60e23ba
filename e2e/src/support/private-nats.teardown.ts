// eslint-disable-next-line @nx/enforce-module-boundaries -- Jest loads global hooks without the path aliases
import type { NatsTestServer } from '../../../libs/testing/src/lib/nats-test-server';
import { PRIVATE_NATS_KEY } from './private-nats.setup';

export default async function stopPrivateNats(): Promise<void> {
  await ((globalThis as Record<string, unknown>)[PRIVATE_NATS_KEY] as NatsTestServer)?.dispose();
}
