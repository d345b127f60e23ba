import { callIdFromChannel } from '@asb/contracts';
import { eventually } from '@asb/testing';
import { BridgeStack } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';

interface AriApplication {
  channel_ids: string[];
  bridge_ids: string[];
}

/**
 * An Asterisk too old for externalMedia (VICIdial installs still run 13 and early 16): ari-ingest
 * must say so where an operator looks, and leave the PBX alone.
 */
describe('an Asterisk the bridge cannot tap: refused clearly, left untouched', () => {
  const stack = new BridgeStack({
    servers: ['pbx1'],
    env: { 'asterisk-sim': { SIM_ASTERISK_VERSION: '16.5.0' } },
  });
  const recorders = new NatsRecorders();

  beforeAll(async () => {
    await recorders.start();
    await stack.start({ ingestReady: false });
  }, 60_000);

  afterAll(async () => {
    await recorders.stop();
    await stack.stop();
    stack.kill();
  });

  it('reports the server as unsupported in readiness and metrics, naming why', async () => {
    let body = '';
    // Not ready from the start; the reason shows once the server has been looked at.
    await eventually(
      async () => {
        const ready = await fetch(`${stack.ingest.baseUrl}/health/ready`);
        body = `${ready.status} ${await ready.text()}`;
        return body.includes('unsupported');
      },
      20_000,
      'readiness naming the unsupported server',
    );
    expect(body).toMatch(/^503 /);
    expect(body).toContain('unsupported: Asterisk 16.5.0 has no externalMedia (needs 16.6');
    expect(
      await stack.metric(stack.ingest, 'ari_ingest_asterisk_supported', 'version="16.5.0"'),
    ).toBe(0);
  });

  it('does not subscribe to its channels, so its calls are neither followed nor tapped', async () => {
    const app = await stack.ari<AriApplication>('pbx1', `/applications/${stack.app}`);
    expect(app).toMatchObject({ channel_ids: [], bridge_ids: [] });
    const calls = await stack.runScenario({
      totalCalls: 3,
      concurrency: 3,
      arrivalRate: 10,
      ringMs: { min: 100, max: 200 },
      talkMs: { min: 500, max: 800 },
      answerRatio: 1,
    });
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(recorders.eventsOf(callIdFromChannel(call.server, call.trunkChannelId))).toEqual([]);
    }
    expect(await stack.leftovers()).toEqual([['pbx1', 0, 0]]);
  });
});
