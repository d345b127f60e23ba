import { randomUUID } from 'node:crypto';
import { connect, Socket } from 'node:net';
import type { KV } from 'nats';
import {
  AudioSocketTap,
  audioSubject,
  AUDIOSOCKET_TAPS_BUCKET,
  statsSubject,
  StreamStats,
} from '@asb/contracts';
import { AUDIOSOCKET_KIND, encodeAudioSocketMessage, encodeAudioSocketUuid } from '@asb/rtp';
import { freePort } from '@asb/testing';
import {
  eventually,
  FrameCollector,
  startGateway,
  testSamples,
  TestGateway,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

/** Asterisk's side of an AudioSocket: it connects, names the tap, then sends audio. */
class AudioSocketPeer {
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number, address = '127.0.0.1'): Promise<AudioSocketPeer> {
    const socket = connect({ host: '127.0.0.1', port, localAddress: address });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new AudioSocketPeer(socket);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Frame `index` of the test signal as little-endian slin, `samples` long. */
  audio(index: number, samples = 160): Buffer {
    const pcm = testSamples(index, samples, 8000);
    return encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, Buffer.from(pcm.buffer));
  }
}

describe('AudioSocket connections', () => {
  let nats: TestNats;
  let kv: KV;
  let gateway: TestGateway;
  let port: number;

  beforeAll(async () => {
    nats = await TestNats.start();
    kv = await nats.nc.jetstream().views.kv(AUDIOSOCKET_TAPS_BUCKET, { history: 1 });
    port = await freePort();
    gateway = await startGateway(nats, {
      GATEWAY_AUDIOSOCKET_PORT: String(port),
      GATEWAY_AUDIOSOCKET_HELLO_TIMEOUT_MS: '500',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await nats?.stop();
  });

  async function register(overrides: Partial<AudioSocketTap> = {}): Promise<AudioSocketTap> {
    const tap: AudioSocketTap = {
      uuid: randomUUID(),
      callId: uniqueCallId('as'),
      track: 'caller',
      server: 'pbx1',
      sources: ['127.0.0.1'],
      registeredAt: new Date().toISOString(),
      ...overrides,
    };
    await kv.put(tap.uuid, JSON.stringify(tap));
    return tap;
  }

  const refused = (reason: string) =>
    gateway.metric('media_gateway_audiosocket_refused_total', { reason });

  it('publishes the audio of a registered tap as the same frames and stats as RTP', async () => {
    const tap = await register();
    const frames = new FrameCollector(nats, audioSubject(tap.callId, tap.track));
    const stats = nats.collect(statsSubject(tap.callId, tap.track));
    const receivedBefore = await gateway.metric(
      'media_gateway_audiosocket_messages_received_total',
    );
    const peer = await AudioSocketPeer.open(port);
    // The UUID and the first audio in one write, as TCP may deliver them.
    peer.send(Buffer.concat([encodeAudioSocketUuid(tap.uuid), peer.audio(0)]));
    for (let index = 1; index < 50; index += 1) peer.send(peer.audio(index));
    await frames.waitFor(50);
    const received = frames.frames();
    expect(received.map((f) => f.sequence)).toEqual([...Array(50).keys()]);
    expect(received[1]).toMatchObject({
      codec: 'slin',
      sampleRate: 8000,
      frameMs: 20,
      timestamp: 160,
    });
    for (const [index, frame] of received.entries()) {
      expect(Array.from(frame.samples)).toEqual(Array.from(testSamples(index, 160, 8000)));
    }
    expect(received[0].capturedAt).toBeGreaterThan(Date.now() - 60_000);
    peer.socket.end();
    await eventually(
      () => stats.some((m) => (JSON.parse(new TextDecoder().decode(m.data)) as StreamStats).final),
      5000,
      'the final stats sample',
    );
    const last = JSON.parse(new TextDecoder().decode(stats[stats.length - 1].data)) as StreamStats;
    expect(last).toMatchObject({
      callId: tap.callId,
      track: 'caller',
      codec: 'slin',
      packets: 50,
      bytes: 50 * 323,
      lost: 0,
      final: true,
      // ari-ingest knows the tap by its UUID: as the run's id, it tells who serves the tap.
      runId: tap.uuid,
      bootId: gateway.bootId,
    });
    expect(last.audio?.analysedMs).toBe(1000);
    expect(
      (await gateway.metric('media_gateway_audiosocket_messages_received_total')) - receivedBefore,
    ).toBe(50);
  });

  it('cuts messages of any even size into 20 ms frames, and counts an odd one', async () => {
    const tap = await register({ track: 'agent', resampleTo16k: true });
    const frames = new FrameCollector(nats, audioSubject(tap.callId, tap.track));
    const peer = await AudioSocketPeer.open(port);
    peer.send(encodeAudioSocketUuid(tap.uuid));
    // 30 ms messages (a leg with 30 ms packets): 4 of them are 6 frames of 20 ms.
    for (let index = 0; index < 4; index += 1) peer.send(peer.audio(index, 240));
    peer.send(encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, Buffer.alloc(5)));
    await frames.waitFor(6);
    expect(frames.frames().map((f) => [f.sampleRate, f.samples.length])).toEqual(
      Array(6).fill([16000, 320]),
    );
    await eventually(
      async () =>
        (await gateway.metric('media_gateway_audiosocket_messages_ignored_total', {
          kind: 'odd_length_audio',
        })) === 1,
      3000,
      'the odd message counted',
    );
    peer.socket.destroy();
  });

  it.each([
    ['unknown_uuid', async () => encodeAudioSocketUuid(randomUUID())],
    ['no_uuid', async () => encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, Buffer.alloc(320))],
    ['bad_uuid', async () => encodeAudioSocketMessage(AUDIOSOCKET_KIND.uuid, Buffer.alloc(4))],
    [
      'foreign_source',
      async () => encodeAudioSocketUuid((await register({ sources: ['10.1.2.3'] })).uuid),
    ],
  ])('closes a connection that names no tap it may carry: %s', async (reason, hello) => {
    const before = await refused(reason);
    const peer = await AudioSocketPeer.open(port);
    peer.send(await hello());
    await eventually(() => peer.closed, 5000, 'the connection closed');
    expect(await refused(reason)).toBe(before + 1);
  });

  it('closes a connection that says nothing, and one that sends garbage, without a crash', async () => {
    const before = await refused('hello_timeout');
    const silent = await AudioSocketPeer.open(port);
    await eventually(() => silent.closed, 5000, 'the silent connection closed');
    expect(await refused('hello_timeout')).toBe(before + 1);
    const garbage = await AudioSocketPeer.open(port);
    garbage.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await eventually(() => garbage.closed, 5000, 'the garbage connection closed');
    // Still serving.
    const tap = await register();
    const frames = new FrameCollector(nats, audioSubject(tap.callId, tap.track));
    const peer = await AudioSocketPeer.open(port);
    peer.send(Buffer.concat([encodeAudioSocketUuid(tap.uuid), peer.audio(0)]));
    await frames.waitFor(1);
    peer.socket.destroy();
  });

  it('ends the stream on a hangup message, and lets a new connection for the tap replace an old one', async () => {
    const tap = await register();
    const first = await AudioSocketPeer.open(port);
    first.send(Buffer.concat([encodeAudioSocketUuid(tap.uuid), first.audio(0)]));
    await eventually(
      async () => (await gateway.metric('media_gateway_audiosocket_streams')) >= 1,
      3000,
      'the stream',
    );
    const replacedBefore = await refused('replaced');
    const second = await AudioSocketPeer.open(port);
    second.send(Buffer.concat([encodeAudioSocketUuid(tap.uuid), second.audio(0)]));
    await eventually(() => first.closed, 5000, 'the old connection closed');
    expect(await refused('replaced')).toBe(replacedBefore + 1);
    second.send(encodeAudioSocketMessage(AUDIOSOCKET_KIND.hangup, Buffer.alloc(0)));
    await eventually(() => second.closed, 5000, 'closed on hangup');
  });
});
