import { createSocket } from 'node:dgram';
import { audioSubject, MediaAllocateReply, MediaAllocateRequest } from '@asb/contracts';
import {
  eventually,
  FrameCollector,
  RtpTestSender,
  sleep,
  startGateway,
  TestGateway,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

type Granted = Extract<MediaAllocateReply, { ok: true }>;

function request(overrides: Partial<MediaAllocateRequest> = {}): MediaAllocateRequest {
  return { callId: uniqueCallId(), track: 'caller', codec: 'ulaw', server: 'pbx1', ...overrides };
}

function granted(reply: MediaAllocateReply): Granted {
  if (!reply.ok) throw new Error(`allocation refused: ${reply.error}`);
  return reply;
}

/** Whether a UDP port on loopback can be bound, i.e. no gateway socket holds it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

describe('AllocationService', () => {
  let nats: TestNats;

  beforeAll(async () => {
    nats = await TestNats.start();
  });

  afterAll(async () => {
    await nats.stop();
  });

  describe('one gateway', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(nats, {}, 3);
    });

    afterAll(async () => {
      await gateway.close();
    });

    it('grants a port of its range on the advertised host, bound and receiving', async () => {
      const call = request();
      const reply = granted(await nats.allocate(call));
      expect(reply).toEqual({
        ok: true,
        gatewayId: gateway.gatewayId,
        host: '127.0.0.1',
        port: expect.any(Number),
        allocationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        bootId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(reply.port).toBeGreaterThanOrEqual(gateway.portMin);
      expect(reply.port).toBeLessThanOrEqual(gateway.portMax);
      expect(await portIsFree(reply.port)).toBe(false);
      expect(await gateway.metric('media_gateway_allocations_active')).toBe(1);

      const frames = new FrameCollector(nats, audioSubject(call.callId, 'caller'));
      await nats.nc.flush();
      const sender = await RtpTestSender.open(reply.port, 'ulaw');
      await sender.sendFrame(0);
      await frames.waitFor(1);
      sender.close();
      expect(await nats.release(reply.allocationId, gateway.gatewayId)).toEqual({ ok: true });
    });

    it('answers a release only when it owns the allocation, and frees the port', async () => {
      const reply = granted(await nats.allocate(request()));
      const releasedBefore = await gateway.metric('media_gateway_releases_total', {
        reason: 'released',
      });

      expect(await nats.release(reply.allocationId, 'some-other-gateway')).toBe('no answer');
      expect(await nats.release('no-such-allocation', gateway.gatewayId)).toBe('no answer');
      expect(await portIsFree(reply.port)).toBe(false);

      expect(await nats.release(reply.allocationId, gateway.gatewayId)).toEqual({ ok: true });
      expect(await portIsFree(reply.port)).toBe(true);
      expect(await nats.release(reply.allocationId, gateway.gatewayId)).toBe('no answer');
      expect(
        (await gateway.metric('media_gateway_releases_total', { reason: 'released' })) -
          releasedBefore,
      ).toBe(1);
      expect(await gateway.metric('media_gateway_allocations_active')).toBe(0);
      expect(await gateway.metric('media_gateway_udp_sockets')).toBe(0);
    });

    it('replaces the allocation of a track that is allocated again', async () => {
      const call = request({ track: 'agent' });
      const first = granted(await nats.allocate(call));
      const second = granted(await nats.allocate({ ...call, codec: 'slin16' }));

      expect(second.allocationId).not.toBe(first.allocationId);
      expect(second.port).not.toBe(first.port);
      expect(await portIsFree(first.port)).toBe(true);
      expect(await gateway.metric('media_gateway_allocations_active')).toBe(1);
      expect(await gateway.metric('media_gateway_releases_total', { reason: 'replaced' })).toBe(1);
      expect(await nats.release(first.allocationId, gateway.gatewayId)).toBe('no answer');

      const frames = new FrameCollector(nats, audioSubject(call.callId, 'agent'));
      await nats.nc.flush();
      const sender = await RtpTestSender.open(second.port, 'slin16');
      await sender.sendFrame(0);
      await frames.waitFor(1);
      expect(frames.frames()[0]).toMatchObject({ codec: 'slin16', sampleRate: 16000 });
      sender.close();
      expect(await nats.release(second.allocationId, gateway.gatewayId)).toEqual({ ok: true });
    });

    it('refuses, as retryable, when every port is allocated', async () => {
      const replies = await Promise.all([1, 2, 3].map(() => nats.allocate(request())));
      replies.forEach((reply) => expect(reply.ok).toBe(true));
      const refusedBefore = await gateway.metric('media_gateway_allocations_refused_total', {
        reason: 'pool_exhausted',
      });

      const full = await nats.allocate(request());
      expect(full).toEqual({ ok: false, retryable: true, error: expect.stringMatching(/3 UDP/) });
      expect(
        (await gateway.metric('media_gateway_allocations_refused_total', {
          reason: 'pool_exhausted',
        })) - refusedBefore,
      ).toBe(1);

      const [freed, ...rest] = replies.map(granted);
      expect(await nats.release(freed.allocationId, gateway.gatewayId)).toEqual({ ok: true });
      const again = granted(await nats.allocate(request()));
      expect(again.port).toBe(freed.port);
      for (const reply of [again, ...rest]) {
        expect(await nats.release(reply.allocationId, gateway.gatewayId)).toEqual({ ok: true });
      }
    });

    it.each([
      ['malformed_json', '{"callId": '],
      ['invalid_payload', JSON.stringify({ ...request(), callId: 'a.b' })],
      ['invalid_payload', JSON.stringify({ ...request(), codec: 'opus' })],
      ['oversized_payload', JSON.stringify({ ...request(), server: 'x'.repeat(5000) })],
    ])('refuses an invalid request (%s) as not retryable, and counts it', async (reason, body) => {
      const before = await gateway.metric('media_gateway_invalid_requests_total', {
        request: 'allocate',
        reason,
      });
      const reply = await nats.requestAllocate(new TextEncoder().encode(body));
      expect(reply).toEqual({
        ok: false,
        retryable: false,
        error: expect.stringContaining(reason),
      });
      expect(
        (await gateway.metric('media_gateway_invalid_requests_total', {
          request: 'allocate',
          reason,
        })) - before,
      ).toBe(1);
    });
  });

  describe('idle allocations', () => {
    const IDLE_TIMEOUT_MS = 1000;
    let gateway: TestGateway;

    beforeAll(async () => {
      // Longer than any stall of this busy machine between two of the test's packets.
      gateway = await startGateway(nats, { GATEWAY_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
    });

    afterAll(async () => {
      await gateway.close();
    });

    it('releases an allocation that never received a packet', async () => {
      const reply = granted(await nats.allocate(request()));
      await eventually(async () => portIsFree(reply.port), 10_000, 'the idle release');
      expect(await gateway.metric('media_gateway_releases_total', { reason: 'idle' })).toBe(1);
      expect(await nats.release(reply.allocationId, gateway.gatewayId)).toBe('no answer');
    });

    it('counts idleness from the last packet while packets come', async () => {
      const reply = granted(await nats.allocate(request()));
      const sender = await RtpTestSender.open(reply.port, 'ulaw');
      for (let seq = 0; seq < 30; seq += 1) {
        await sender.sendFrame(seq);
        await sleep(50);
      }
      expect(await portIsFree(reply.port)).toBe(false);
      const stoppedAt = Date.now();
      await eventually(async () => portIsFree(reply.port), 10_000, 'the idle release');
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
      sender.close();
    });
  });

  describe('shutdown', () => {
    it('stops answering, closes every socket and publishes nothing afterwards', async () => {
      const gateway = await startGateway(nats);
      const call = request();
      const reply = granted(await nats.allocate(call));
      const frames = new FrameCollector(nats, audioSubject(call.callId, 'caller'));
      await nats.nc.flush();
      const sender = await RtpTestSender.open(reply.port, 'ulaw');
      await sender.sendFrame(0);
      await frames.waitFor(1);

      await gateway.close();
      expect(await portIsFree(reply.port)).toBe(true);
      await expect(nats.allocate(request(), 500)).rejects.toThrow(/503|no responders/i);
      await sender.sendFrame(1);
      await sleep(200);
      expect(frames.count).toBe(1);
      sender.close();
    });
  });

  describe('two gateways', () => {
    it('share allocations through the queue group, and each answers releases of its own', async () => {
      const gateways = [await startGateway(nats, {}, 20), await startGateway(nats, {}, 20)];
      const replies = (
        await Promise.all([...Array(16).keys()].map(() => nats.allocate(request())))
      ).map(granted);

      const owners = new Set(replies.map((reply) => reply.gatewayId));
      expect(owners).toEqual(new Set(gateways.map((g) => g.gatewayId)));
      const active = await Promise.all(
        gateways.map((g) => g.metric('media_gateway_allocations_active')),
      );
      expect(active[0] + active[1]).toBe(16);
      for (const reply of replies) {
        const range = gateways.find((g) => g.gatewayId === reply.gatewayId) as TestGateway;
        expect(reply.port).toBeGreaterThanOrEqual(range.portMin);
        expect(reply.port).toBeLessThanOrEqual(range.portMax);
      }

      const released = await Promise.all(
        replies.map((reply) => nats.release(reply.allocationId, reply.gatewayId)),
      );
      expect(released.every((answer) => answer !== 'no answer' && answer.ok)).toBe(true);
      for (const gateway of gateways) {
        expect(await gateway.metric('media_gateway_allocations_active')).toBe(0);
        await gateway.close();
      }
    });
  });
});
