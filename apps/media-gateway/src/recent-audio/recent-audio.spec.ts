import { randomUUID } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { createInbox, Msg } from 'nats';
import {
  AUDIO_HEADERS,
  AudioSocketTap,
  AUDIOSOCKET_TAPS_BUCKET,
  audioSubject,
  RECENT_AUDIO_HEADERS,
  recentAudioSubject,
} from '@asb/contracts';
import { AUDIOSOCKET_KIND, encodeAudioSocketMessage, encodeAudioSocketUuid } from '@asb/rtp';
import { freePort } from '@asb/testing';
import {
  eventually,
  RtpTestSender,
  startGateway,
  testSamples,
  TestGateway,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

interface Answer {
  frames: Msg[];
  end?: Msg;
  noResponders: boolean;
  timedOut: boolean;
}

/** Asks for a track's recent audio and collects the whole answer, as any consumer would. */
async function askRecent(
  nats: TestNats,
  subject: string,
  body = '',
  timeoutMs = 5000,
): Promise<Answer> {
  const inbox = createInbox();
  const answer: Answer = { frames: [], noResponders: false, timedOut: false };
  const done = new Promise<void>((resolve) => {
    const subscription = nats.nc.subscribe(inbox, {
      callback: (error, message) => {
        if (error) return;
        if (message.headers?.code === 503) {
          answer.noResponders = true;
        } else if (message.headers?.has(RECENT_AUDIO_HEADERS.end)) {
          answer.end = message;
        } else {
          answer.frames.push(message);
          return;
        }
        subscription.unsubscribe();
        resolve();
      },
    });
  });
  await nats.nc.flush();
  nats.nc.publish(subject, new TextEncoder().encode(body), { reply: inbox });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      answer.timedOut = true;
      resolve();
    }, timeoutMs);
  });
  await Promise.race([done, timedOut]).finally(() => clearTimeout(timer));
  return answer;
}

/** Every header of a message, as name → value. */
function headerRecord(message: Msg): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, values] of message.headers ?? []) record[name] = values.join(',');
  return record;
}

describe('recent audio: the gateway holds the last seconds of each track and answers for them', () => {
  let nats: TestNats;
  let gateway: TestGateway;
  let audioSocketPort: number;
  const senders: RtpTestSender[] = [];

  beforeAll(async () => {
    nats = await TestNats.start();
    audioSocketPort = await freePort();
    gateway = await startGateway(nats, {
      // Publish every frame at once: no reorder hold at the end of a burst.
      GATEWAY_REORDER_WINDOW: '0',
      GATEWAY_RECENT_AUDIO_SECONDS: '1',
      GATEWAY_AUDIOSOCKET_PORT: String(audioSocketPort),
    });
  });

  afterAll(async () => {
    senders.forEach((sender) => sender.close());
    await gateway?.close();
    await nats?.stop();
  });

  async function allocate(callId: string) {
    const reply = await nats.allocate({ callId, track: 'caller', codec: 'ulaw', server: 'pbx1' });
    if (!reply.ok) throw new Error(reply.error);
    const sender = await RtpTestSender.open(reply.port, 'ulaw');
    senders.push(sender);
    return { reply, sender };
  }

  it('answers no responders at once for a track no gateway serves', async () => {
    const startedAt = performance.now();
    const answer = await askRecent(nats, recentAudioSubject(uniqueCallId(), 'caller'));
    expect(answer.noResponders).toBe(true);
    expect(performance.now() - startedAt).toBeLessThan(2000);
  });

  it('answers the held frames, oldest first, with the live headers and payloads, up to its bound', async () => {
    const callId = uniqueCallId();
    const live = nats.collect(audioSubject(callId, 'caller'));
    await nats.nc.flush();
    const { sender } = await allocate(callId);
    // In bursts a small socket buffer takes whole (the kernel counts far more than the bytes).
    for (let sequence = 0; sequence < 80; sequence += 1) {
      await sender.sendFrame(sequence);
      if (sequence % 10 === 9) {
        await eventually(() => live.length === sequence + 1, 3000, `${sequence + 1} live frames`);
      }
    }

    const all = await askRecent(nats, recentAudioSubject(callId, 'caller'));
    // 1 s of 20 ms frames: the last 50 of the 80.
    expect(all.frames).toHaveLength(50);
    expect(all.end?.headers?.get(RECENT_AUDIO_HEADERS.end)).toBe('50');
    expect(all.end?.headers?.has(RECENT_AUDIO_HEADERS.error)).toBe(false);
    expect(all.end?.data.byteLength).toBe(0);
    // The end names the run whose frames it ends (two gateways may answer during a re-tap).
    expect(all.end?.headers?.get(AUDIO_HEADERS.runId)).toBe(
      live[0].headers?.get(AUDIO_HEADERS.runId),
    );
    all.frames.forEach((frame, i) => {
      expect(headerRecord(frame)).toEqual(headerRecord(live[30 + i]));
      expect(Buffer.from(frame.data).equals(Buffer.from(live[30 + i].data))).toBe(true);
    });

    const last = await askRecent(
      nats,
      recentAudioSubject(callId, 'caller'),
      JSON.stringify({ seconds: 0.2 }),
    );
    expect(last.frames.map((frame) => frame.headers?.get(AUDIO_HEADERS.sequence))).toEqual(
      live.slice(70).map((frame) => frame.headers?.get(AUDIO_HEADERS.sequence)),
    );
    expect(last.end?.headers?.get(RECENT_AUDIO_HEADERS.end)).toBe('10');
    expect(
      await gateway.metric('media_gateway_recent_audio_requests_total', { outcome: 'answered' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('refuses a request that breaks the contract with the end message alone, and counts it', async () => {
    const callId = uniqueCallId();
    const { sender } = await allocate(callId);
    await sender.sendFrame(0);
    const refusedBefore = await gateway.metric('media_gateway_recent_audio_requests_total', {
      outcome: 'refused',
    });
    for (const body of [
      JSON.stringify({ seconds: 31 }),
      '{"seconds":',
      JSON.stringify({ minutes: 1 }),
    ]) {
      const answer = await askRecent(nats, recentAudioSubject(callId, 'caller'), body);
      expect(answer.frames).toHaveLength(0);
      expect(answer.end?.headers?.get(RECENT_AUDIO_HEADERS.end)).toBe('0');
      expect(answer.end?.headers?.get(RECENT_AUDIO_HEADERS.error)).toMatch(/\S/);
    }
    expect(
      await gateway.metric('media_gateway_recent_audio_requests_total', { outcome: 'refused' }),
    ).toBe(refusedBefore + 3);
  });

  it('stops offering a track once its allocation is released', async () => {
    const callId = uniqueCallId();
    const { reply, sender } = await allocate(callId);
    await sender.sendFrame(0);
    await eventually(
      async () => (await askRecent(nats, recentAudioSubject(callId, 'caller'))).frames.length === 1,
      3000,
      'the frame held',
    );
    if (!reply.ok) throw new Error('not allocated');
    await nats.release(reply.allocationId, reply.gatewayId);
    expect((await askRecent(nats, recentAudioSubject(callId, 'caller'))).noResponders).toBe(true);
  });

  it('holds an AudioSocket track the same way, and forgets it when the connection closes', async () => {
    const kv = await nats.nc.jetstream().views.kv(AUDIOSOCKET_TAPS_BUCKET, { history: 1 });
    const tap: AudioSocketTap = {
      uuid: randomUUID(),
      callId: uniqueCallId('as'),
      track: 'agent',
      server: 'pbx1',
      sources: ['127.0.0.1'],
      registeredAt: new Date().toISOString(),
    };
    await kv.put(tap.uuid, JSON.stringify(tap));
    const live = nats.collect(audioSubject(tap.callId, 'agent'));
    await nats.nc.flush();
    const socket: Socket = connect({ host: '127.0.0.1', port: audioSocketPort });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(encodeAudioSocketUuid(tap.uuid));
    for (let index = 0; index < 5; index += 1) {
      const pcm = testSamples(index, 160, 8000);
      socket.write(encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, Buffer.from(pcm.buffer)));
    }
    await eventually(() => live.length === 5, 5000, '5 live frames');
    const answer = await askRecent(nats, recentAudioSubject(tap.callId, 'agent'));
    expect(answer.frames.map(headerRecord)).toEqual(live.map(headerRecord));
    socket.destroy();
    // A request the server routed while the unsubscription was on its way gets no answer at all.
    await eventually(
      async () => {
        const answer = await askRecent(nats, recentAudioSubject(tap.callId, 'agent'), '', 500);
        return answer.noResponders;
      },
      3000,
      'no responders once the connection closed',
    );
  }, 20_000);
});

describe('recent audio off (GATEWAY_RECENT_AUDIO_SECONDS=0)', () => {
  let nats: TestNats;
  let gateway: TestGateway;
  const senders: RtpTestSender[] = [];

  beforeAll(async () => {
    nats = await TestNats.start();
    gateway = await startGateway(nats, { GATEWAY_RECENT_AUDIO_SECONDS: '0' });
  });

  afterAll(async () => {
    senders.forEach((sender) => sender.close());
    await gateway?.close();
    await nats?.stop();
  });

  it('holds nothing and offers nothing: a request hears no responders, live audio flows', async () => {
    const callId = uniqueCallId();
    const live = nats.collect(audioSubject(callId, 'caller'));
    await nats.nc.flush();
    const reply = await nats.allocate({ callId, track: 'caller', codec: 'ulaw', server: 'pbx1' });
    if (!reply.ok) throw new Error(reply.error);
    const sender = await RtpTestSender.open(reply.port, 'ulaw');
    senders.push(sender);
    await sender.sendFrame(0);
    await eventually(() => live.length === 1, 3000, 'the live frame');
    expect((await askRecent(nats, recentAudioSubject(callId, 'caller'))).noResponders).toBe(true);
    expect(await gateway.metric('media_gateway_recent_audio_bytes')).toBe(0);
  });
});
