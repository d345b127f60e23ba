import { randomBytes } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import WebSocket from 'ws';
import { AudioTrack, audioSubject, NatsUser } from '@asb/contracts';
import { JoinedFrame, JoinedTrack, joinTrack } from '@asb/consumer-kit';
import { correlation, ulawEncode } from '@asb/rtp';
import { eventually } from '@asb/testing';
import { loopedFixture } from './support/audio-alignment';
import { BridgeStack } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';
import { ShippedNats } from './support/shipped-nats';
import { NATS_URL } from './support/workspace';

const TRACKS: AudioTrack[] = ['caller', 'agent'];

/** A scenario of one answered outbound call that talks for `talkMs`. */
function oneCall(talkMs: number, seed: number): Record<string, unknown> {
  return {
    totalCalls: 1,
    concurrency: 1,
    arrivalRate: 1,
    ringMs: { min: 200, max: 300 },
    talkMs: { min: talkMs, max: talkMs },
    answerRatio: 1,
    agentHangupRatio: 0,
    mix: { outbound: 1 },
    seed,
  };
}

/** performance.now() when the newest frame arrived. */
const arrivals = new WeakMap<JoinedFrame, number>();
function lastFrameAt(frames: JoinedFrame[]): number {
  return arrivals.get(frames[frames.length - 1]) ?? 0;
}

function samplesOf(frames: JoinedFrame[]): Int16Array {
  const out = new Int16Array(frames.reduce((sum, frame) => sum + frame.pcm.byteLength / 2, 0));
  let offset = 0;
  for (const frame of frames) {
    Buffer.from(out.buffer, offset * 2).set(frame.pcm);
    offset += frame.pcm.byteLength / 2;
  }
  return out;
}

describe('joining a call late: recent audio from the gateway, then live, no gap and no duplicate', () => {
  const stack = new BridgeStack({ servers: ['pbx1'] });
  const recorders = new NatsRecorders();
  let nc: NatsConnection;

  beforeAll(async () => {
    await recorders.start();
    await stack.start();
    nc = await connect({ servers: NATS_URL });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await recorders.stop();
    await stack.stop();
    stack.kill();
  });

  it('a consumer that joins 5 s into a call asking for 10 s gets it from the start, then live', async () => {
    const scenario = await stack.startScenario(oneCall(12_000, 18));
    // The stack's only call: its id from its first tap (the scenario names it only once over).
    await recorders.waitFor(
      () => recorders.events.some((event) => event.event === 'tap_started'),
      30_000,
      'the call to be tapped',
    );
    const callId = recorders.events.find((event) => event.event === 'tap_started')?.callId ?? '';
    const subject = (track: AudioTrack) => audioSubject(callId, track);

    // 5 s of the call's audio published before anyone joins.
    await recorders.waitFor(
      () => TRACKS.every((track) => (recorders.audio.get(subject(track))?.frames ?? 0) >= 250),
      30_000,
      '5 s of audio on both tracks',
    );
    const joined = new Map<AudioTrack, { track: JoinedTrack; frames: JoinedFrame[] }>();
    for (const track of TRACKS) {
      joined.set(track, {
        track: await joinTrack(nc, callId, track, { recentSeconds: 10 }),
        frames: [],
      });
    }
    const reading = [...joined.values()].map(async (join) => {
      for await (const frame of join.track) join.frames.push(frame);
    });
    await stack.finishScenario(scenario, 60_000);
    await recorders.waitFor(
      () => recorders.eventsOf(callId).some((event) => event.event === 'ended'),
      20_000,
      'the call to end',
    );
    // Everything the recorder got has reached the joined consumer too.
    await recorders.waitFor(
      () =>
        TRACKS.every((track) => {
          const recorded = recorders.audio.get(subject(track));
          const frames = joined.get(track)?.frames ?? [];
          return frames.at(-1)?.timestamp === recorded?.timestamps.at(-1);
        }),
      10_000,
      'the last frames joined',
    );
    for (const join of joined.values()) join.track.close();
    await Promise.all(reading);

    for (const track of TRACKS) {
      const { track: joinedTrack, frames } = joined.get(track) as {
        track: JoinedTrack;
        frames: JoinedFrame[];
      };
      const recorded = recorders.audio.get(subject(track));
      if (!recorded) throw new Error(`no audio recorded on ${subject(track)}`);
      const history = await joinedTrack.history;
      expect({ track, outcome: history.outcome }).toEqual({ track, outcome: 'answered' });
      // Less than the 10 s asked for had passed: the history reaches back to the tap's start.
      expect({ track, historyFrames: history.frames >= 250 }).toEqual({
        track,
        historyFrames: true,
      });
      const fromHistory = frames.filter((frame) => frame.fromHistory);
      expect(fromHistory).toHaveLength(history.frames);
      expect(frames.slice(0, history.frames).every((frame) => frame.fromHistory)).toBe(true);
      expect(frames.length).toBeGreaterThan(history.frames + 100);
      // The seam: the first live frame is the next one after the last of the history.
      const seam = frames[history.frames];
      const lastHistory = frames[history.frames - 1];
      expect(seam.runId).toBe(lastHistory.runId);
      expect(seam.timestamp - lastHistory.timestamp).toBe(160);
      // No gap and no duplicate anywhere: exactly the frames the gateway published, from the first.
      expect({ track, timestamps: frames.map((frame) => frame.timestamp) }).toEqual({
        track,
        timestamps: recorded.timestamps,
      });
      const samples = samplesOf(frames);
      expect(samples).toEqual(recorders.samples(subject(track)));
      // And it is the simulator's speech, from the tap's first sample.
      expect({
        track,
        matches: correlation(samples, loopedFixture(track, samples.length)) > 0.95,
      }).toEqual({ track, matches: true });
    }
  }, 120_000);
});

/**
 * The same on a NATS that runs deploy/k8s/base/nats/nats-server.conf as shipped, one user per
 * service: the gateway may send a whole answer (nats-server lets a user answer a request once
 * unless told more), an AI consumer and stream-egress may ask, and the server refuses nothing.
 */
describe('joining a call late on the shipped NATS permissions, through stream-egress too', () => {
  const nats = new ShippedNats();
  const token = randomBytes(18).toString('base64url');
  let stack: BridgeStack;
  let consumer: NatsConnection;
  const as = (user: NatsUser) => nats.as(user);

  beforeAll(async () => {
    await nats.start();
    stack = new BridgeStack({
      servers: ['pbx1'],
      natsUrl: nats.url,
      env: { 'media-gateway': as('media-gateway'), 'ari-ingest': as('ari-ingest') },
      streamEgress: { ...as('stream-egress'), EGRESS_INBOUND_TOKENS: `e2e-bot=${token}` },
    });
    await stack.start();
    consumer = await connect({
      servers: nats.url,
      user: 'ai-consumer',
      pass: nats.passwords['ai-consumer'],
    });
  }, 120_000);

  afterAll(async () => {
    await consumer?.close();
    await stack?.stop();
    stack?.kill();
    await nats.dispose();
  });

  it('an AI consumer and a /v1/streams client with recent=10 both get the call from its start', async () => {
    const tapped = consumer.subscribe('call.v1.*.tap_started', { max: 1 });
    await consumer.flush();
    const scenario = await stack.startScenario(oneCall(8000, 19));
    // The call's id from its first tap, as a consumer learns it (core NATS, as ai-consumer).
    let callId = '';
    for await (const message of tapped) callId = message.subject.split('.')[2];
    // Live frames flow for 3 s before anyone joins.
    const live: number[] = [];
    const probe = consumer.subscribe(audioSubject(callId, 'caller'), {
      callback: () => live.push(Date.now()),
    });
    await eventually(() => live.length >= 150, 30_000, '3 s of live audio');
    probe.unsubscribe();

    const media: Buffer[] = [];
    let closed = false;
    const client = new WebSocket(
      `${stack.streamEgress?.baseUrl.replace('http:', 'ws:')}/v1/streams?call=${callId}&recent=10`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    client.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        event: string;
        media?: { payload: string };
      };
      if (message.event === 'media' && message.media) {
        media.push(Buffer.from(message.media.payload, 'base64'));
      }
    });
    client.on('close', () => {
      closed = true;
    });
    const joined = await joinTrack(consumer, callId, 'caller', { recentSeconds: 10 });
    const frames: JoinedFrame[] = [];
    const reading = (async () => {
      for await (const frame of joined) {
        arrivals.set(frame, performance.now());
        frames.push(frame);
      }
    })();
    await stack.finishScenario(scenario, 60_000);
    await eventually(() => closed, 20_000, 'the stream to end with the call');
    await eventually(
      () => frames.length > 0 && performance.now() - lastFrameAt(frames) > 1000,
      10_000,
      'the last live frame',
    );
    joined.close();
    await reading;

    const history = await joined.history;
    expect(history.outcome).toBe('answered');
    expect(history.frames).toBeGreaterThanOrEqual(150);
    expect(frames[0].timestamp).toBe(0);
    expect(frames.map((frame, i) => frame.timestamp - i * 160).every((d) => d === 0)).toBe(true);
    // stream-egress sent the same audio, from the tap's first frame, each frame once.
    const samples = samplesOf(frames);
    const expected = Buffer.alloc(samples.length);
    samples.forEach((sample, i) => (expected[i] = ulawEncode(sample)));
    expect(Buffer.concat(media).equals(expected)).toBe(true);
    expect(nats.violations()).toEqual([]);
  }, 120_000);
});
