import { createHmac } from 'node:crypto';
import type { CallEvent, EgressStarted, EgressStopped } from '@asb/contracts';
import { correlation } from '@asb/rtp';
import {
  BackendSession,
  eventually,
  sleep,
  startEgress,
  TestBackend,
  TestCall,
  TestEgress,
  TestNats,
  toneFrame,
  ulawToPcm,
  Json,
} from '../__tests__/egress-harness';
import { ANSWER_BURST } from '../streams/egress-stream';

const HMAC_SECRET = 'backend-shared-secret-0123';
const BACKEND_TOKEN = 'backend-bearer-token-1';

function routes(
  targets: Array<Record<string, unknown>>,
  match: Record<string, unknown> = { all: true },
) {
  return JSON.stringify([{ name: 'test', match, targets }]);
}

const media = (session: BackendSession) =>
  session.messages.filter((m) => m.json?.['event'] === 'media').map((m) => m.json as Json);

function egressEvents(events: CallEvent[], callId: string) {
  return {
    started: events.filter(
      (e): e is EgressStarted => e.callId === callId && e.event === 'egress_started',
    ),
    stopped: events.filter(
      (e): e is EgressStopped => e.callId === callId && e.event === 'egress_stopped',
    ),
  };
}

describe('outbound streams over real NATS and WebSockets', () => {
  let nats: TestNats;

  beforeAll(async () => {
    nats = await TestNats.start();
  }, 20_000);

  afterAll(async () => {
    await nats.stop();
  });

  it('keeps replays from a route that excludes them, and gives a route that takes only replays nothing else', async () => {
    const production = await TestBackend.start();
    const underTest = await TestBackend.start();
    const egress = await startEgress(nats, {
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'production',
          match: { all: true },
          replays: 'exclude',
          targets: [{ url: production.url() }],
        },
        {
          name: 'model-under-test',
          match: { all: true },
          replays: 'only',
          targets: [{ url: underTest.url() }],
        },
      ]),
    });
    try {
      const replayed = new TestCall(nats);
      replayed.replay = {
        of: 'pbx1-1732451234-56',
        session: '0f8fad5b-d9cb-469f-a165-70867728950e',
      };
      const live = new TestCall(nats);
      await replayed.begin(['caller']);
      await live.begin(['caller']);
      const callSids = (backend: TestBackend) =>
        backend.sessions.flatMap((session) =>
          session.messages
            .map((m) => m.json)
            .filter((json) => json?.['event'] === 'start')
            .map((json) => (json?.['start'] as Json)['callSid']),
        );
      await eventually(
        () => callSids(production).length === 1 && callSids(underTest).length === 1,
        5000,
        'one stream on each backend',
      );
      expect(callSids(production)).toEqual([live.callId]);
      expect(callSids(underTest)).toEqual([replayed.callId]);
      await replayed.ended();
      await live.ended();
    } finally {
      await egress.close();
      await production.close();
      await underTest.close();
    }
  });

  describe('twilio format', () => {
    let backend: TestBackend;
    let egress: TestEgress;

    beforeAll(async () => {
      backend = await TestBackend.start({
        verifyClient: (headers) => headers.authorization === `Bearer ${BACKEND_TOKEN}`,
      });
      egress = await startEgress(nats, {
        EGRESS_ROUTES: routes(
          [
            {
              url: backend.url('/media?x=1'),
              tracks: ['caller', 'agent'],
              bearerToken: BACKEND_TOKEN,
              hmacSecret: HMAC_SECRET,
              allowPlainWs: true,
            },
          ],
          { campaigns: ['SALES'] },
        ),
      });
    }, 20_000);

    afterAll(async () => {
      await egress.close();
      await backend.close();
    });

    it('streams a matching call for its whole life in the shapes Twilio sends, signed', async () => {
      const call = await new TestCall(nats).begin(['caller', 'agent']);
      const other = await new TestCall(nats, undefined, { campaign: 'OTHER' }).begin(['caller']);
      await eventually(() => backend.sessions.length === 1, 5000, 'the backend connection');
      const session = backend.sessions[0];
      await eventually(() => session.messages.length >= 2, 5000, 'connected and start');
      for (let i = 0; i < 10; i += 1) {
        call.frame('caller', toneFrame(i, 'caller'));
        call.frame('agent', toneFrame(i, 'agent'));
        other.frame('caller', toneFrame(i, 'caller'));
        await sleep(2);
      }
      await eventually(() => media(session).length === 20, 5000, '20 media messages');
      session.ws.send(
        JSON.stringify({ event: 'mark', streamSid: 'x', mark: { name: 'greeting-done' } }),
      );
      await eventually(
        () => session.messages.some((m) => m.json?.['event'] === 'mark'),
        5000,
        'the mark answer',
      );
      await call.ended();
      await eventually(() => session.closed !== undefined, 5000, 'the close');

      // The handshake: bearer token, and a signature over the timestamp and the stream id.
      const [connected, start] = session.messages.map((m) => m.json as Json);
      const streamSid = start['streamSid'] as string;
      expect(session.url).toBe('/media?x=1');
      const timestamp = session.headers['x-asb-timestamp'] as string;
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);
      expect(session.headers['x-asb-stream-id']).toBe(streamSid);
      expect(session.headers['x-asb-signature']).toBe(
        `v1=${createHmac('sha256', HMAC_SECRET).update(`${timestamp}.${streamSid}`).digest('hex')}`,
      );

      expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
      expect(start).toEqual({
        event: 'start',
        sequenceNumber: '1',
        start: {
          accountSid: 'AC00000000000000000000000000000000',
          streamSid,
          callSid: call.callId,
          tracks: ['inbound', 'outbound'],
          customParameters: {
            callId: call.callId,
            server: 'pbx1',
            channelName: 'SIP/carrier-00000001',
            direction: 'outbound',
            callerNumber: call.callerNumber,
            callerName: call.vicidial.callCode,
            calleeNumber: call.calleeNumber,
            callCode: call.vicidial.callCode,
            callType: 'V',
            leadId: '12345',
            campaign: 'SALES',
            campaignName: 'Outbound sales',
            listId: '101',
            agent: 'agent007',
            agentName: 'James Bond',
          },
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
        streamSid,
      });
      expect(streamSid).toMatch(/^MZ[0-9a-f]{32}$/);

      const messages = media(session);
      expect(messages.map((m) => Number(m.sequenceNumber))).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 2),
      );
      for (const [track, source] of [
        ['inbound', 'caller'],
        ['outbound', 'agent'],
      ] as const) {
        const ofTrack = messages.filter((m) => m.media.track === track);
        expect(ofTrack.map((m) => m.media.chunk)).toEqual(
          Array.from({ length: 10 }, (_, i) => String(i + 1)),
        );
        const timestamps = ofTrack.map((m) => Number(m.media.timestamp));
        expect(timestamps.slice(1).map((t, i) => t - timestamps[i])).toEqual(Array(9).fill(20));
        const received = Int16Array.from(
          ofTrack.flatMap((m) => [...Buffer.from(m.media.payload, 'base64')].map(ulawToPcm)),
        );
        const sent = Int16Array.from(
          Array.from({ length: 10 }, (_, i) => [...toneFrame(i, source)]).flat(),
        );
        expect(received).toHaveLength(1600);
        expect(correlation(received, sent)).toBeGreaterThan(0.99);
      }
      expect(messages.every((m) => m.streamSid === streamSid && m.event === 'media')).toBe(true);

      const mark = session.messages.find((m) => m.json?.['event'] === 'mark')?.json;
      expect(mark).toEqual({
        event: 'mark',
        sequenceNumber: '22',
        streamSid,
        mark: { name: 'greeting-done' },
      });
      expect(session.messages.at(-1)?.json).toEqual({
        event: 'stop',
        sequenceNumber: '23',
        stop: { accountSid: 'AC00000000000000000000000000000000', callSid: call.callId },
        streamSid,
      });
      expect(session.closed?.code).toBe(1000);

      await eventually(
        async () => egressEvents(await nats.events(), call.callId).stopped.length === 1,
        5000,
        'egress_stopped',
      );
      const { started, stopped } = egressEvents(await nats.events(), call.callId);
      expect(started).toEqual([
        expect.objectContaining({
          direction: 'outbound',
          target: backend.url('/media'),
          format: 'twilio',
          streamId: streamSid,
          tracks: ['caller', 'agent'],
          server: 'pbx1',
          channelName: 'SIP/carrier-00000001',
        }),
      ]);
      expect(stopped).toEqual([
        expect.objectContaining({
          streamId: streamSid,
          reason: 'call_ended',
          framesSent: 20,
          framesDropped: 0,
          reconnects: 0,
        }),
      ]);
      // The call of another campaign never went anywhere.
      expect(egressEvents(await nats.events(), other.callId).started).toEqual([]);
      expect(backend.sessions).toHaveLength(1);
      expect(
        await egress.metric('stream_egress_frames_sent_total', {
          direction: 'outbound',
          format: 'twilio',
        }),
      ).toBe(20);
      expect(await egress.metric('stream_egress_backends_connected')).toBe(0);
      await other.ended();
    });

    it('answers a flood of marks only up to its allowance, and counts the rest', async () => {
      const sessionsBefore = backend.sessions.length;
      const call = await new TestCall(nats).begin(['caller']);
      await eventually(
        () => backend.sessions.length === sessionsBefore + 1,
        5000,
        'the backend connection',
      );
      const session = backend.sessions[sessionsBefore];
      await eventually(() => session.messages.length >= 2, 5000, 'connected and start');
      const marks = () => session.messages.filter((m) => m.json?.['event'] === 'mark').length;
      const refused = () =>
        egress.metric('stream_egress_answers_refused_total', {
          direction: 'outbound',
          format: 'twilio',
        });
      const refusedBefore = await refused();
      const flood = 1000;
      for (let i = 0; i < flood; i += 1) {
        session.ws.send(JSON.stringify({ event: 'mark', streamSid: 'x', mark: { name: `m${i}` } }));
      }
      await eventually(
        async () => marks() + (await refused()) - refusedBefore === flood,
        10_000,
        'every mark answered or refused',
      );
      // The burst, and what the allowance refilled while the flood was read.
      expect(marks()).toBeGreaterThanOrEqual(ANSWER_BURST);
      expect(marks()).toBeLessThan(flood / 2);
      await call.ended();
    });
  });

  describe('jambonz format', () => {
    let backend: TestBackend;
    let egress: TestEgress;

    beforeAll(async () => {
      backend = await TestBackend.start({
        handleProtocols: (protocols) =>
          protocols.has('audio.jambonz.org') ? 'audio.jambonz.org' : false,
      });
      egress = await startEgress(nats, {
        EGRESS_ROUTES: routes(
          [
            {
              url: backend.url('/listen'),
              format: 'jambonz',
              sampleRate: 16000,
              mixType: 'stereo',
            },
          ],
          { numberPattern: '^\\+1555' },
        ),
      });
    }, 20_000);

    afterAll(async () => {
      await egress.close();
      await backend.close();
    });

    it('sends one JSON preamble, then stereo PCM16LE at the asked rate: customer left, agent right', async () => {
      const call = await new TestCall(nats).begin(['caller', 'agent']);
      await eventually(() => backend.sessions[0]?.messages.length >= 1, 5000, 'the preamble');
      for (let i = 0; i < 10; i += 1) {
        call.frame('caller', toneFrame(i, 'caller'));
        call.frame('agent', toneFrame(i, 'agent'));
        await sleep(2);
      }
      const session = backend.sessions[0];
      await eventually(
        () => session.messages.filter((m) => m.binary).length >= 9,
        5000,
        'the audio frames',
      );
      await call.ended();
      await eventually(() => session.closed !== undefined, 5000, 'the close');

      expect(session.protocol).toBe('audio.jambonz.org');
      const [preamble, ...rest] = session.messages;
      expect(preamble.json).toEqual(
        expect.objectContaining({
          callSid: call.callId,
          sampleRate: 16000,
          mixType: 'stereo',
          from: call.callerNumber,
          to: call.calleeNumber,
          direction: 'outbound',
          callCode: call.vicidial.callCode,
          campaign: 'SALES',
          leadId: 12345,
        }),
      );
      expect(rest.every((m) => m.binary !== undefined)).toBe(true);
      const bytes = Buffer.concat(rest.map((m) => m.binary as Buffer));
      const all = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
      const left = all.filter((_, i) => i % 2 === 0);
      const right = all.filter((_, i) => i % 2 === 1);
      expect(left.length).toBeGreaterThanOrEqual(320 * 9);
      const tone16k = (track: 'caller' | 'agent') =>
        Int16Array.from(
          Array.from({ length: 10 }, (_, i) => [...toneFrame(i, track, 16000)]).flat(),
        );
      const best = (got: Int16Array, want: Int16Array) =>
        Math.max(...[0, 1, 2].map((lag) => correlation(got.subarray(lag), want)));
      expect(best(left, tone16k('caller'))).toBeGreaterThan(0.98);
      expect(best(right, tone16k('agent'))).toBeGreaterThan(0.98);
      expect(session.closed?.code).toBe(1000);
    });
  });

  describe('a backend that drops mid-call', () => {
    let backend: TestBackend;
    let egress: TestEgress;

    beforeAll(async () => {
      backend = await TestBackend.start();
      egress = await startEgress(nats, {
        EGRESS_ROUTES: routes([{ url: backend.url(), tracks: ['caller'] }]),
      });
    }, 20_000);

    afterAll(async () => {
      await egress.close();
      await backend.close();
    });

    it('reconnects with a new session of the same stream and resumes with current audio only', async () => {
      const call = await new TestCall(nats).begin(['caller']);
      await eventually(() => backend.sessions[0]?.messages.length >= 2, 5000, 'the first session');
      let dropped = false;
      for (let i = 0; i < 60; i += 1) {
        call.frame('caller', toneFrame(i, 'caller'));
        await sleep(20);
        if (!dropped && media(backend.sessions[0]).length >= 10) {
          dropped = true;
          backend.sessions[0].ws.terminate();
        }
      }
      await eventually(() => backend.sessions.length === 2, 5000, 'the reconnection');
      const second = backend.sessions[1];
      await eventually(() => media(second).length > 5, 5000, 'audio after the reconnection');
      await call.ended();
      await eventually(() => second.closed !== undefined, 5000, 'the close');

      const first = backend.sessions[0];
      const [connected, start] = second.messages.map((m) => m.json as Json);
      expect(connected['event']).toBe('connected');
      expect(start).toMatchObject({ event: 'start', sequenceNumber: '1' });
      expect(start['streamSid']).toBe((first.messages[1].json as Json)['streamSid']);
      const before = media(first).map((m) => Number(m.media.timestamp));
      const after = media(second).map((m) => Number(m.media.timestamp));
      expect(media(second)[0]).toMatchObject({ sequenceNumber: '2', media: { chunk: '1' } });
      // Frame i sits at base + 20 i on the stream's timeline.
      const base = before[0];
      const firstAfter = (after[0] - base) / 20;
      const lastBefore = (before[before.length - 1] - base) / 20;
      // Nothing is replayed: the resumed audio starts after what the first session got, with a
      // gap for the frames published while no backend was connected.
      expect(firstAfter).toBeGreaterThan(lastBefore + 1);
      expect(after.slice(1).map((t, i) => t - after[i])).toEqual(Array(after.length - 1).fill(20));
      expect(before.length + after.length).toBeLessThan(60);
      expect(second.messages.at(-1)?.json?.['event']).toBe('stop');

      await eventually(
        async () => egressEvents(await nats.events(), call.callId).stopped.length === 1,
        5000,
        'egress_stopped',
      );
      const [stopped] = egressEvents(await nats.events(), call.callId).stopped;
      expect(stopped).toMatchObject({ reason: 'call_ended', reconnects: 1 });
      expect(stopped.framesSent + stopped.framesDropped).toBe(60);
      expect(stopped.framesDropped).toBeGreaterThan(0);
      expect(await egress.metric('stream_egress_reconnects_total', { format: 'twilio' })).toBe(1);
      expect(
        await egress.metric('stream_egress_frames_dropped_total', {
          reason: 'backend_unavailable',
        }),
      ).toBe(stopped.framesDropped);
    });
  });

  describe('a backend that is too slow', () => {
    const QUEUE = 20;
    let backend: TestBackend;
    let egress: TestEgress;

    beforeAll(async () => {
      backend = await TestBackend.start();
      egress = await startEgress(nats, {
        EGRESS_ROUTES: routes([{ url: backend.url(), tracks: ['caller'] }]),
        EGRESS_QUEUE_MAX_FRAMES: String(QUEUE),
        EGRESS_SOCKET_HIGH_WATER_BYTES: '4096',
      });
    }, 20_000);

    afterAll(async () => {
      await egress.close();
      await backend.close();
    });

    it('holds a bounded queue, drops the oldest audio and counts it', async () => {
      const call = await new TestCall(nats).begin(['caller']);
      await eventually(() => backend.sessions[0]?.messages.length >= 2, 5000, 'the session');
      const session = backend.sessions[0];
      // The backend stops reading: the kernel's buffers fill, then ours.
      session.socket.pause();
      let published = 0;
      const dropped = () =>
        egress.metric('stream_egress_frames_dropped_total', { reason: 'backend_slow' });
      while ((await dropped()) < 500 && published < 200_000) {
        for (let i = 0; i < 500; i += 1) {
          call.frame('caller', toneFrame(published, 'caller'));
          published += 1;
        }
        await sleep(5);
        expect(await egress.metric('stream_egress_queued_frames')).toBeLessThanOrEqual(QUEUE);
      }
      const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
      expect(await dropped()).toBeGreaterThanOrEqual(500);
      expect(heapMb).toBeLessThan(1024);
      await eventually(
        async () =>
          (await egress.metric('stream_egress_frames_sent_total')) +
            (await dropped()) +
            (await egress.metric('stream_egress_queued_frames')) ===
          published,
        5000,
        'every frame sent, dropped or queued',
      );
      session.socket.resume();
      await call.ended();
      await eventually(() => session.closed !== undefined, 20_000, 'the close');
      await eventually(
        async () => egressEvents(await nats.events(), call.callId).stopped.length === 1,
        5000,
        'egress_stopped',
      );
      const [stopped] = egressEvents(await nats.events(), call.callId).stopped;
      expect(stopped.framesSent + stopped.framesDropped).toBe(published);
      expect(stopped.framesDropped).toBeGreaterThanOrEqual(500);
      // What arrived is every frame sent, in order, with the drops showing as jumps in time.
      const received = media(session);
      expect(received).toHaveLength(stopped.framesSent);
      const chunks = received.map((m) => Number(m.media.chunk));
      expect(chunks).toEqual(Array.from({ length: chunks.length }, (_, i) => i + 1));
      const timestamps = received.map((m) => Number(m.media.timestamp));
      expect(timestamps.slice(1).every((t, i) => t > timestamps[i])).toBe(true);
      expect(timestamps[timestamps.length - 1] - timestamps[0]).toBe((published - 1) * 20);
    }, 60_000);
  });

  describe('several replicas', () => {
    let backend: TestBackend;
    let first: TestEgress;
    let second: TestEgress;

    beforeAll(async () => {
      backend = await TestBackend.start();
      const env = { EGRESS_ROUTES: routes([{ url: backend.url(), tracks: ['caller'] }]) };
      [first, second] = await Promise.all([startEgress(nats, env), startEgress(nats, env)]);
    }, 20_000);

    afterAll(async () => {
      await second.close();
      await backend.close();
    });

    it('streams each call once, and a stopping replica hands its streams to another', async () => {
      const calls = await Promise.all(
        Array.from({ length: 4 }, async () => new TestCall(nats).begin(['caller'])),
      );
      await eventually(() => backend.sessions.length === 4, 5000, 'one session per call');
      await sleep(300);
      expect(backend.sessions).toHaveLength(4);
      const perReplica = [
        await first.metric('stream_egress_streams_active'),
        await second.metric('stream_egress_streams_active'),
      ];
      expect(perReplica[0] + perReplica[1]).toBe(4);
      const handedOver = perReplica[0];

      await first.close();
      await eventually(
        () => backend.sessions.length === 4 + handedOver,
        10_000,
        'the streams taken over',
      );
      await eventually(
        () => backend.sessions.slice(4).every((s) => s.messages.length >= 2),
        5000,
        'the resumed streams to start',
      );
      expect(await second.metric('stream_egress_streams_active')).toBe(4);
      const sids = (session: BackendSession) =>
        (session.messages.find((m) => m.json?.['event'] === 'start')?.json as Json)?.['streamSid'];
      // The same stream resumes, announced with the same streamSid; the first one was stopped.
      const resumed = backend.sessions.slice(4).map(sids);
      const stoppedByShutdown = backend.sessions
        .slice(0, 4)
        .filter((s) => s.messages.at(-1)?.json?.['event'] === 'stop');
      expect(stoppedByShutdown.map(sids).sort()).toEqual(resumed.sort());
      expect(stoppedByShutdown.every((s) => s.closed?.code === 1001)).toBe(true);
      for (const call of calls) await call.ended();
      await eventually(
        async () => (await second.metric('stream_egress_streams_active')) === 0,
        5000,
        'every stream stopped',
      );
    });
  });
});
