import WebSocket from 'ws';
import type { AudioTrack } from '@asb/contracts';
import { correlation } from '@asb/rtp';
import {
  eventually,
  Json,
  startEgress,
  TestBackend,
  TestCall,
  TestEgress,
  TestNats,
  ulawToPcm,
} from '../../__tests__/egress-harness';

const TOKEN = 'token-pppppppppppppppp';
const FRAMES = 25;

/**
 * Frame `index` of a track's noise: seeded per track, so the two tracks are unrelated and any
 * agent audio mixed into the customer's shows as a correlation far below 1 (tones would repeat).
 */
function noiseFrame(index: number, track: AudioTrack): Int16Array {
  let state = (index + 1) * (track === 'agent' ? 7919 : 104729);
  const samples = new Int16Array(160);
  for (let i = 0; i < samples.length; i += 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    samples[i] = ((state >>> 16) & 0x7fff) - 0x4000;
  }
  return samples;
}

/**
 * Reads the stream as Pipecat's TwilioFrameSerializer and most Twilio Media Streams examples do:
 * every `media` message's payload is the next piece of one audio stream, and `media.track` is
 * never looked at.
 */
class TrackBlindReader {
  constructor(readonly messages: () => Json[]) {}

  /** The one audio stream the client hears, decoded. */
  audio(): Int16Array {
    const payloads = this.messages()
      .filter((message) => message['event'] === 'media')
      .map((message) => Buffer.from(message['media'].payload as string, 'base64'));
    return Int16Array.from(Buffer.concat(payloads), ulawToPcm);
  }

  start(): Json | undefined {
    return this.messages().find((message) => message['event'] === 'start');
  }
}

function published(track: AudioTrack): Int16Array {
  return Int16Array.from(
    Array.from({ length: FRAMES }, (_, i) => [...noiseFrame(i, track)]).flat(),
  );
}

describe('Twilio format: clients that ignore media.track hear the customer alone by default', () => {
  let nats: TestNats;
  let backend: TestBackend;
  let egress: TestEgress;

  beforeAll(async () => {
    nats = await TestNats.start();
    backend = await TestBackend.start();
    egress = await startEgress(nats, {
      EGRESS_INBOUND_TOKENS: `pipecat=${TOKEN}`,
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'bot',
          match: { campaigns: ['SALES'] },
          targets: [
            // No tracks setting: the format's default.
            { url: backend.url('/default') },
            { url: backend.url('/both'), tracks: ['caller', 'agent'] },
          ],
        },
      ]),
    });
  }, 20_000);

  afterAll(async () => {
    await egress.close();
    await backend.close();
    await nats.stop();
  });

  /** Starts a call with both tracks tapped, an inbound client with this query and both routes. */
  async function streamCall(inboundQuery: string) {
    const call = await new TestCall(nats).begin(['caller', 'agent']);
    await egress.knows(call.callId);
    const received: Json[] = [];
    const ws = new WebSocket(`${egress.wsUrl}/v1/streams?call=${call.callId}${inboundQuery}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString('utf8')) as Json));
    const outbound = (path: string) =>
      new TrackBlindReader(() => {
        const session = backend.sessions.find(
          (candidate) =>
            candidate.url === path &&
            candidate.messages.some((m) => m.json?.['start']?.callSid === call.callId),
        );
        return (session?.messages ?? []).flatMap((m) => (m.json ? [m.json] : []));
      });
    const readers = {
      inbound: new TrackBlindReader(() => received),
      outboundDefault: outbound('/default'),
      outboundBoth: outbound('/both'),
    };
    await eventually(
      () => Object.values(readers).every((reader) => reader.start() !== undefined),
      5000,
      'the three streams started',
    );
    for (let i = 0; i < FRAMES; i += 1) {
      call.frame('caller', noiseFrame(i, 'caller'));
      call.frame('agent', noiseFrame(i, 'agent'));
    }
    return { call, ws, ...readers };
  }

  it('sends only the caller track, as inbound, so the concatenated payloads are the customer', async () => {
    const { call, ws, inbound, outboundDefault } = await streamCall('');
    const caller = published('caller');
    await eventually(
      () => [inbound, outboundDefault].every((reader) => reader.audio().length >= caller.length),
      5000,
      "the caller's frames on the default streams",
    );
    await call.ended();
    await egress.knowsEnded(call.callId);
    for (const reader of [inbound, outboundDefault]) {
      const heard = reader.audio();
      expect(heard).toHaveLength(caller.length);
      expect(correlation(heard, caller)).toBeGreaterThan(0.99);
      expect(reader.start()?.['start'].tracks).toEqual(['inbound']);
    }
    ws.close();
  });

  it('sends both tracks only when asked, which a track-blind reader hears garbled', async () => {
    const { call, ws, inbound, outboundBoth } = await streamCall('&tracks=caller,agent');
    const caller = published('caller');
    await eventually(
      () => [inbound, outboundBoth].every((reader) => reader.audio().length >= 2 * caller.length),
      5000,
      'both tracks on the streams that asked for them',
    );
    await call.ended();
    await egress.knowsEnded(call.callId);
    for (const reader of [inbound, outboundBoth]) {
      expect(reader.start()?.['start'].tracks).toEqual(['inbound', 'outbound']);
      const heard = reader.audio();
      expect(heard).toHaveLength(2 * caller.length);
      // Interleaved 20 ms pieces of two voices: what such a client would feed its recogniser.
      expect(correlation(heard.subarray(0, caller.length), caller)).toBeLessThan(0.9);
    }
    ws.close();
  });
});
