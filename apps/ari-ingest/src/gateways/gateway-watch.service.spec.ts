import { randomUUID } from 'node:crypto';
import { connect, NatsConnection, Subscription } from 'nats';
import {
  encodeJson,
  GatewayHeartbeat,
  gatewayHeartbeatSchema,
  gatewayProbeSubject,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_HEARTBEAT_SUBJECT,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { eventually, freePort, NatsTestServer } from '@asb/testing';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { GatewayLossReason, GatewayWatch } from './gateway-watch.service';

const INTERVAL_MS = 100;
const LOST_AFTER_MS = 600;

/** A gateway's heartbeat (and probe subject), from its own connection as the real one does. */
class FakeGatewayBeat {
  bootId = randomUUID();
  draining = false;
  private timer?: NodeJS.Timeout;
  private probe?: Subscription;

  constructor(
    private readonly nc: NatsConnection,
    readonly gatewayId: string,
  ) {}

  /**
   * Subscribes to the probe subject: `answer` as a busy gateway does, `ignore` as a hung one.
   * Resolves once the server has the subscription, so a probe can never find nobody there.
   */
  async probed(how: 'answer' | 'ignore'): Promise<void> {
    this.probe = this.nc.subscribe(gatewayProbeSubject(this.bootId), {
      callback: (_error, message) => {
        if (how === 'answer') message.respond();
      },
    });
    await this.nc.flush();
  }

  start(): void {
    this.timer = setInterval(() => {
      const beat: GatewayHeartbeat = {
        gatewayId: this.gatewayId,
        bootId: this.bootId,
        host: '127.0.0.1',
        sentAt: new Date().toISOString(),
        intervalMs: INTERVAL_MS,
        allocations: 0,
        capacity: 100,
        draining: this.draining,
      };
      this.nc.publish(
        MEDIA_HEARTBEAT_SUBJECT,
        encodeJson(gatewayHeartbeatSchema, beat, MEDIA_CONTROL_MAX_BYTES),
      );
    }, INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Gone altogether: no beats, and nobody on its probe subject. */
  die(): void {
    this.stop();
    this.probe?.unsubscribe();
  }
}

describe('GatewayWatch', () => {
  let server: NatsTestServer;
  let client: NatsClient;
  let gatewaySide: NatsConnection;
  let watch: GatewayWatch;
  const losses: Array<[string, string, GatewayLossReason]> = [];
  const beats: FakeGatewayBeat[] = [];

  beforeAll(async () => {
    server = new NatsTestServer(await freePort());
    await server.start();
    client = new NatsClient({ servers: server.url });
    client.onModuleInit();
    await client.connected;
    gatewaySide = await connect({ servers: server.url });
    watch = new GatewayWatch(
      { GATEWAY_LOST_AFTER_MS: LOST_AFTER_MS } as AriIngestConfig,
      client,
      new MetricsRegistry('test', false),
    );
    watch.onLost((id, boot, reason) => losses.push([id, boot, reason]));
    watch.onApplicationBootstrap();
    await client.connection.flush();
  });

  afterEach(() => {
    server.resume();
    beats.splice(0).forEach((beat) => beat.die());
  });

  afterAll(async () => {
    watch.onModuleDestroy();
    await gatewaySide.close();
    await client.onApplicationShutdown();
    await server.dispose();
  });

  async function beating(gatewayId: string): Promise<FakeGatewayBeat> {
    const beat = new FakeGatewayBeat(gatewaySide, gatewayId);
    beats.push(beat);
    beat.start();
    await eventually(
      () => watch.live().some((g) => g.gatewayId === gatewayId && g.bootId === beat.bootId),
      5000,
      `${gatewayId} heard`,
    );
    return beat;
  }

  const lossesOf = (gatewayId: string) => losses.filter(([id]) => id === gatewayId);

  it('declares a gateway process that is gone lost at once, with the boot it had', async () => {
    const beat = await beating('gw-gone');
    await beat.probed('answer');
    const alive = await beating('gw-alive');
    await alive.probed('answer');
    const goneAt = performance.now();
    beat.die();
    await eventually(() => lossesOf('gw-gone').length === 1, 5000, 'the loss');
    // Two missed beats and a probe that finds no responders: well before GATEWAY_LOST_AFTER_MS.
    expect(performance.now() - goneAt).toBeLessThan(LOST_AFTER_MS);
    await new Promise((resolve) => setTimeout(resolve, LOST_AFTER_MS * 2));
    expect(lossesOf('gw-gone')).toEqual([['gw-gone', beat.bootId, 'gone']]);
    expect(watch.isLost(beat.bootId)).toBe(true);
    expect(watch.isLost(alive.bootId)).toBe(false);
  });

  it('keeps a gateway that misses beats but answers its probe, and gives up on one that answers nothing', async () => {
    const busy = await beating('gw-busy');
    await busy.probed('answer');
    const hung = await beating('gw-hung');
    await hung.probed('ignore');
    busy.stop();
    hung.stop();
    await eventually(() => lossesOf('gw-hung').length === 1, 5000, 'the hung one lost');
    expect(lossesOf('gw-hung')).toEqual([['gw-hung', hung.bootId, 'silent']]);
    await new Promise((resolve) => setTimeout(resolve, LOST_AFTER_MS * 2));
    expect(lossesOf('gw-busy')).toEqual([]);
  });

  it('declares the old boot lost as soon as a gateway comes back under a new one', async () => {
    const beat = await beating('gw-restarting');
    const oldBoot = beat.bootId;
    beat.bootId = randomUUID();
    await eventually(() => lossesOf('gw-restarting').length === 1, 5000, 'the loss');
    expect(lossesOf('gw-restarting')).toEqual([['gw-restarting', oldBoot, 'restarted']]);
    expect(watch.isLost(beat.bootId)).toBe(false);
  });

  it('takes a gateway that says it is stopping as lost at once', async () => {
    const beat = await beating('gw-stopping');
    beat.draining = true;
    await eventually(() => lossesOf('gw-stopping').length === 1, 5000, 'the loss');
    expect(lossesOf('gw-stopping')).toEqual([['gw-stopping', beat.bootId, 'draining']]);
    expect(watch.isLost(beat.bootId)).toBe(true);
  });

  it('takes a boot id it has not heard yet as live: a restarted gateway allocates before it beats', async () => {
    expect(watch.isLost(randomUUID())).toBe(false);
  });

  it('tells when a gateway process starts beating, and again when it comes back rebooted', async () => {
    let joined = 0;
    watch.onJoined(() => (joined += 1));
    const beat = await beating('gw-joining');
    expect(joined).toBe(1);
    beat.bootId = randomUUID();
    await eventually(() => joined === 2, 5000, 'the rebooted gateway');
  });

  it('blames nobody while NATS itself is frozen, nor right after it thaws', async () => {
    const beat = await beating('gw-through-freeze');
    await beat.probed('answer');
    server.pause();
    await new Promise((resolve) => setTimeout(resolve, LOST_AFTER_MS * 4));
    server.resume();
    await new Promise((resolve) => setTimeout(resolve, LOST_AFTER_MS * 3));
    expect(lossesOf('gw-through-freeze')).toEqual([]);
    expect(watch.isLost(beat.bootId)).toBe(false);
  }, 15_000);
});
