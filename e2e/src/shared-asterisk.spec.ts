import { createHash } from 'node:crypto';
import { eventually } from '@asb/testing';
import { BridgeStack } from './support/bridge-stack';

/** The id prefix a bridge deployment gives its channels and bridges: `asb-` and its app's tag. */
const idPrefixOf = (app: string) =>
  `asb-${createHash('sha256').update(app).digest('hex').slice(0, 8)}-`;

/**
 * Two bridge deployments on one Asterisk (each its own ARI application): each must take only its
 * own leftovers down, never the other's running taps.
 */
describe('two bridge deployments on one Asterisk', () => {
  const stack = new BridgeStack({
    servers: ['pbx1'],
    env: { 'ari-ingest': { ARI_RECONCILE_INTERVAL_MS: '1000' } },
  });
  const bridgeIds = async () =>
    (await stack.ari<Array<{ id: string }>>('pbx1', '/bridges')).map((bridge) => bridge.id);
  const createBridge = (bridgeId: string) =>
    stack.ariRequest('pbx1', 'POST', `/bridges?type=mixing&bridgeId=${bridgeId}`);

  beforeAll(() => stack.start(), 60_000);

  afterAll(async () => {
    await stack.stop();
    stack.kill();
  });

  it("deletes its own leftover bridge and leaves the other deployment's alone", async () => {
    const theirs = `${idPrefixOf('another-bridge')}b-pbx1-1732451234-56-caller-a1b2c3`;
    const ours = `${idPrefixOf(stack.app)}b-pbx1-1732451234-57-caller-d4e5f6`;
    await createBridge(theirs);
    await createBridge(ours);
    // Our leftover going shows that a reconciliation ran with both bridges there.
    await eventually(
      async () => !(await bridgeIds()).includes(ours),
      15_000,
      'our leftover bridge to be deleted',
    );
    expect(await bridgeIds()).toContain(theirs);
    await stack.ariRequest('pbx1', 'DELETE', `/bridges/${theirs}`);
  }, 30_000);
});
