import { nextBeatAt } from './heartbeat-publisher';
import {
  decodeJson,
  GatewayHeartbeat,
  gatewayHeartbeatSchema,
  gatewayProbeSubject,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_HEARTBEAT_SUBJECT,
} from '@asb/contracts';
import {
  eventually,
  saturateEventLoop,
  startGateway,
  TestGateway,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

/** The beats of one gateway, decoded, with the time each arrived. */
function collectBeats(nats: TestNats, gatewayId: string): GatewayHeartbeat[] {
  const beats: GatewayHeartbeat[] = [];
  nats.nc.subscribe(MEDIA_HEARTBEAT_SUBJECT, {
    callback: (error, message) => {
      if (error) return;
      const beat = decodeJson(gatewayHeartbeatSchema, message.data, MEDIA_CONTROL_MAX_BYTES);
      if (beat.gatewayId === gatewayId) beats.push(beat);
    },
  });
  return beats;
}

describe('HeartbeatPublisher', () => {
  let nats: TestNats;
  // Gateways share the allocation queue group: each test's are gone before the next starts.
  let gateways: TestGateway[] = [];

  beforeAll(async () => {
    nats = await TestNats.start();
  });

  afterEach(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    gateways = [];
  });

  afterAll(async () => {
    await nats.stop();
  });

  async function gateway(env: Record<string, string>, ports = 4): Promise<TestGateway> {
    const started = await startGateway(nats, env, ports);
    gateways.push(started);
    return started;
  }

  it('answers on its probe subject while it runs, and nobody does once it is gone', async () => {
    const gw = await gateway({ GATEWAY_HEARTBEAT_INTERVAL_MS: '100' });
    const beats = collectBeats(nats, gw.gatewayId);
    await eventually(() => beats.length >= 1, 3000, 'a beat');
    const subject = gatewayProbeSubject(beats[0].bootId);
    await expect(nats.nc.request(subject, undefined, { timeout: 2000 })).resolves.toBeDefined();
    await gw.close();
    gateways = gateways.filter((g) => g !== gw);
    await expect(nats.nc.request(subject, undefined, { timeout: 2000 })).rejects.toMatchObject({
      code: '503',
    });
  });

  it('announces the gateway at its interval with the boot id of its allocations and its load', async () => {
    const gw = await gateway({ GATEWAY_HEARTBEAT_INTERVAL_MS: '100' }, 5);
    const beats = collectBeats(nats, gw.gatewayId);
    await eventually(() => beats.length >= 3, 3000, 'three beats');
    expect(beats[0]).toEqual({
      gatewayId: gw.gatewayId,
      bootId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      host: '127.0.0.1',
      sentAt: expect.any(String),
      intervalMs: 100,
      allocations: 0,
      capacity: 5,
      draining: false,
    });

    const reply = await nats.allocate({
      callId: uniqueCallId(),
      track: 'caller',
      codec: 'ulaw',
      server: 'pbx1',
    });
    if (!reply.ok) throw new Error(reply.error);
    expect(reply.bootId).toBe(beats[0].bootId);
    await eventually(() => beats.at(-1)?.allocations === 1, 2000, 'a beat counting the allocation');
    expect(await nats.release(reply.allocationId, reply.gatewayId)).toEqual({ ok: true });
    await eventually(() => beats.at(-1)?.allocations === 0, 2000, 'a beat after the release');
    expect(new Set(beats.map((beat) => beat.bootId)).size).toBe(1);
  });

  it('has a new boot id in every process of the same gateway id', async () => {
    const first = await gateway({ GATEWAY_HEARTBEAT_INTERVAL_MS: '100' });
    await gateway({
      GATEWAY_HEARTBEAT_INTERVAL_MS: '100',
      GATEWAY_ID: first.gatewayId,
    });
    const beats = collectBeats(nats, first.gatewayId);
    await eventually(
      () => new Set(beats.map((beat) => beat.bootId)).size === 2,
      3000,
      'beats of both processes',
    );
  });

  it('keeps beating while the event loop is busy', async () => {
    const gw = await gateway({ GATEWAY_HEARTBEAT_INTERVAL_MS: '100' });
    const beats = collectBeats(nats, gw.gatewayId);
    await eventually(() => beats.length >= 1, 3000, 'a first beat');
    const stop = saturateEventLoop(40);
    const from = beats.length;
    await eventually(() => beats.length >= from + 26, 10_000, '26 beats on a busy loop');
    stop();
    const sentAt = beats.slice(from).map((beat) => Date.parse(beat.sentAt));
    const meanPeriod = (sentAt[sentAt.length - 1] - sentAt[0]) / (sentAt.length - 1);
    // Each beat runs up to one 40 ms chunk late (more when this machine is busy too); the grid
    // itself is checked exactly below.
    expect(meanPeriod).toBeGreaterThanOrEqual(70);
    expect(meanPeriod).toBeLessThan(200);
  });

  it('keeps to its grid: a late beat does not move the next one, missed slots are skipped', () => {
    // A timer that restarted its period from each late callback would drift by the lateness.
    expect(nextBeatAt(1000, 1040, 100)).toBe(1100);
    expect(nextBeatAt(1100, 1100, 100)).toBe(1200);
    expect(nextBeatAt(1000, 1350, 100)).toBe(1400);
    expect(nextBeatAt(1200, 1150, 100)).toBe(1200);
    let due = 0;
    for (let beat = 1; beat <= 50; beat += 1) due = nextBeatAt(due, due + 39, 100);
    expect(due).toBe(5000);
  });

  it('says once, last, that it is draining, with the allocations it still holds', async () => {
    const gw = await gateway({ GATEWAY_HEARTBEAT_INTERVAL_MS: '100' });
    const beats = collectBeats(nats, gw.gatewayId);
    const replies = await Promise.all(
      ['caller', 'agent'].map((track) =>
        nats.allocate({
          callId: uniqueCallId(),
          track: track as 'caller' | 'agent',
          codec: 'ulaw',
          server: 'pbx1',
        }),
      ),
    );
    expect(replies.every((reply) => reply.ok)).toBe(true);
    await eventually(() => beats.at(-1)?.allocations === 2, 2000, 'a beat counting both');

    await gw.close();
    gateways = [];
    // The gateway drained its connection before close() returned: all it sent is here now.
    await nats.nc.flush();
    const draining = beats.filter((beat) => beat.draining);
    expect(draining).toHaveLength(1);
    expect(draining[0].allocations).toBe(2);
    expect(beats.at(-1)).toBe(draining[0]);
  });
});
