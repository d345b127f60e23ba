import { eventually } from '@asb/testing';
import { AsteriskInstance, MediaPlane } from './asterisk-instance';

const media: MediaPlane = {
  allocateLocalPort: async () => ({ address: '127.0.0.1', port: 1 }),
  releaseLocalPort: () => undefined,
  startStream: () => undefined,
  stopStream: () => undefined,
};

/**
 * On a busy Asterisk, channels entering a Stasis app are processed one after another: in a burst
 * of taps the last snoop's StasisStart comes long after its HTTP reply.
 */
describe('Stasis entry under load', () => {
  it('queues the StasisStart of a burst of snoops behind one another', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const arrivals = new Map<string, number>();
    pbx.connectApp('bridge', false).connections.add({
      send: (json) => {
        const event = JSON.parse(json) as { type: string; channel?: { id: string } };
        if (event.type === 'StasisStart' && event.channel)
          arrivals.set(event.channel.id, performance.now());
      },
      close: () => undefined,
    });
    const call = pbx.createCallChannel({ name: 'SIP/carrier-00000001', state: 'Up' });
    pbx.faults = { ...pbx.faults, stasisEntryMs: 20 };
    const requestedAt = performance.now();
    for (let i = 0; i < 10; i += 1)
      pbx.snoop(call.id, { spy: 'in', app: 'bridge', snoopId: `s${i}` });
    await eventually(() => arrivals.size === 10, 5000, 'all ten StasisStarts');
    // The tenth waited behind nine others: at least 10 x 20 ms after the burst.
    expect((arrivals.get('s9') ?? 0) - requestedAt).toBeGreaterThanOrEqual(195);
    const order = [...arrivals.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
  });

  it('lets a channel in at once when nothing queues before it', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const seen: string[] = [];
    pbx.connectApp('bridge', false).connections.add({
      send: (json) => seen.push((JSON.parse(json) as { type: string }).type),
      close: () => undefined,
    });
    const call = pbx.createCallChannel({ name: 'SIP/carrier-00000002', state: 'Up' });
    pbx.snoop(call.id, { spy: 'out', app: 'bridge', snoopId: 'only' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toContain('StasisStart');
  });
});
