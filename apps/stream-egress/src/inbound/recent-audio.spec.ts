import WebSocket from 'ws';
import { headers as natsHeaders, Msg, MsgHdrs } from 'nats';
import {
  audioFrameHeaderEntries,
  AudioTrack,
  audioSubject,
  RECENT_AUDIO_HEADERS,
  recentAudioSubject,
} from '@asb/contracts';
import { ulawDecode, ulawEncode } from '@asb/rtp';
import {
  eventually,
  Json,
  startEgress,
  TestCall,
  TestEgress,
  TestNats,
  toneFrame,
  ulawToPcm,
} from '../__tests__/egress-harness';

const TOKEN = 'token-aaaaaaaaaaaaaaaa';

/**
 * The gateway's side of a track, as the contracts describe it: publishes the track's frames on
 * audio.v1 (with their run and capture time) and answers recent-audio.v1 with the ones it
 * published, oldest first, then the end message. A frame is held before it is published.
 */
class GatewayTrack {
  private readonly held: Array<{ data: Uint8Array; headers: MsgHdrs }> = [];

  constructor(
    private readonly nats: TestNats,
    private readonly callId: string,
    readonly track: AudioTrack,
    /** Epoch ms of frame 0's capture. */
    private readonly startedAt: number,
  ) {
    nats.nc.subscribe(recentAudioSubject(callId, track), {
      callback: (error, message) => error || this.answer(message),
    });
  }

  get published(): number {
    return this.held.length;
  }

  publish(): void {
    const index = this.held.length;
    const data = new Uint8Array(toneFrame(index, this.track).buffer);
    const headers = natsHeaders();
    for (const [name, value] of audioFrameHeaderEntries({
      sequence: index,
      timestamp: index * 160,
      sampleRate: 8000,
      codec: 'ulaw',
      frameMs: 20,
      capturedAt: this.startedAt + index * 20,
      runId: `run-${this.callId}`,
    })) {
      headers.set(name, value);
    }
    this.held.push({ data, headers });
    this.nats.nc.publish(audioSubject(this.callId, this.track), data, { headers });
  }

  private answer(message: Msg): void {
    const { seconds } = (message.data.length > 0 ? JSON.parse(message.string()) : {}) as {
      seconds?: number;
    };
    const count = Math.min(this.held.length, seconds === undefined ? Infinity : seconds * 50);
    const answered = this.held.slice(this.held.length - count);
    for (const { data, headers } of answered) message.respond(data, { headers });
    const end = natsHeaders();
    end.set(RECENT_AUDIO_HEADERS.end, String(answered.length));
    message.respond(new Uint8Array(0), { headers: end });
  }
}

interface Client {
  texts: Json[];
  binaries: Buffer[];
  ws: WebSocket;
}

function connectClient(url: string, protocols: string[] = []): Client {
  const ws = new WebSocket(url, protocols, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const client: Client = { texts: [], binaries: [], ws };
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) client.binaries.push(Buffer.from(data));
    else client.texts.push(JSON.parse(data.toString()) as Json);
  });
  ws.on('error', () => undefined);
  return client;
}

/** What a u-law stream of the tone frames from 0 decodes to. */
function expectedUlaw(track: AudioTrack, frames: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < frames; i += 1) {
    for (const sample of toneFrame(i, track)) out.push(ulawDecode(ulawEncode(sample)));
  }
  return out;
}

describe('inbound streams with recent=<seconds>: the call so far, then live, each frame once', () => {
  let nats: TestNats;
  let egress: TestEgress;
  const clients: Client[] = [];
  const pacers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    nats = await TestNats.start();
    egress = await startEgress(nats, { EGRESS_INBOUND_TOKENS: `bot-a=${TOKEN}` });
  }, 20_000);

  afterEach(() => {
    pacers.splice(0).forEach(clearInterval);
    clients.splice(0).forEach((client) => client.ws.terminate());
  });

  afterAll(async () => {
    await egress?.close();
    await nats?.stop();
  });

  /** A call in progress: `history` frames published on each track, then one every 20 ms. */
  async function callInProgress(tracks: AudioTrack[], history: number) {
    const call = await new TestCall(nats).begin(tracks);
    await egress.knows(call.callId);
    const startedAt = Date.now() - history * 20;
    const gateways = tracks.map((track) => new GatewayTrack(nats, call.callId, track, startedAt));
    await nats.nc.flush();
    for (let i = 0; i < history; i += 1) gateways.forEach((gateway) => gateway.publish());
    pacers.push(setInterval(() => gateways.forEach((gateway) => gateway.publish()), 20));
    return { call, gateways, stop: () => pacers.splice(0).forEach(clearInterval) };
  }

  it('refuses a recent outside 0-30 s with 400', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${egress.wsUrl}/v1/streams?call=next&recent=31`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      ws.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('error', () => undefined);
    });
    expect(status).toBe(400);
  });

  it('twilio: sends the recent frames first, then live, with no gap or duplicate and steady timestamps', async () => {
    const { call, gateways, stop } = await callInProgress(['caller'], 150);
    const client = connectClient(`${egress.wsUrl}/v1/streams?call=${call.callId}&recent=10`);
    clients.push(client);
    const media = () => client.texts.filter((message) => message.event === 'media');
    await eventually(() => media().length >= 250, 15_000, '250 media messages');
    stop();
    const [gateway] = gateways;
    await eventually(() => media().length === gateway.published, 5000, 'every frame published');

    const received = media().flatMap((message) =>
      Array.from(Buffer.from(message.media.payload as string, 'base64')).map(ulawToPcm),
    );
    expect(received).toEqual(expectedUlaw('caller', gateway.published));
    // On the stream's timeline, which starts 10 s back: every chunk 20 ms after the one before.
    const timestamps = media().map((message) => Number(message.media.timestamp));
    expect(timestamps[0]).toBeGreaterThanOrEqual(0);
    expect(timestamps.map((timestamp, i) => timestamp - timestamps[0] - i * 20)).toEqual(
      timestamps.map(() => 0),
    );
    expect(media().map((message) => Number(message.media.chunk))).toEqual(
      timestamps.map((_, i) => i + 1),
    );
    expect(
      await egress.metric('stream_egress_recent_audio_requests_total', { outcome: 'answered' }),
    ).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('jambonz stereo: both tracks of the recent audio side by side from the first sample, then live', async () => {
    const { call, gateways, stop } = await callInProgress(['caller', 'agent'], 100);
    const client = connectClient(
      `${egress.wsUrl}/v1/streams?call=${call.callId}&mixType=stereo&recent=5`,
      ['audio.jambonz.org'],
    );
    clients.push(client);
    const samples = () => client.binaries.reduce((sum, binary) => sum + binary.length / 4, 0);
    await eventually(() => samples() >= 200 * 160, 15_000, '4 s of stereo');
    stop();
    await eventually(
      () => samples() === Math.min(...gateways.map((gateway) => gateway.published)) * 160,
      5000,
      'every published moment',
    );
    const pcm = Buffer.concat(client.binaries);
    const left: number[] = [];
    const right: number[] = [];
    for (let offset = 0; offset < pcm.length; offset += 4) {
      left.push(pcm.readInt16LE(offset));
      right.push(pcm.readInt16LE(offset + 2));
    }
    const frames = left.length / 160;
    const tones = (track: AudioTrack) =>
      Array.from({ length: frames }, (_, i) => Array.from(toneFrame(i, track))).flat();
    expect(left).toEqual(tones('caller'));
    expect(right).toEqual(tones('agent'));
  }, 30_000);

  it('goes on live when no gateway answers for the track', async () => {
    const call = await new TestCall(nats).begin(['caller']);
    await egress.knows(call.callId);
    const client = connectClient(`${egress.wsUrl}/v1/streams?call=${call.callId}&recent=10`);
    clients.push(client);
    await eventually(
      () => client.texts.some((message) => message.event === 'start'),
      5000,
      'start',
    );
    let index = 0;
    pacers.push(setInterval(() => call.frame('caller', toneFrame(index++, 'caller')), 20));
    await eventually(
      () => client.texts.filter((message) => message.event === 'media').length >= 10,
      10_000,
      'live media',
    );
    expect(
      await egress.metric('stream_egress_recent_audio_requests_total', {
        outcome: 'no_responders',
      }),
    ).toBe(1);
  }, 20_000);
});
