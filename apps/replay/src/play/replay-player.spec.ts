import { connect, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import {
  AUDIO_WILDCARD,
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  CallEvent,
  decodeCallEvent,
} from '@asb/contracts';
import { eventually, freePort, NatsTestServer } from '@asb/testing';
import type { ReplayItem, ReplayPlan } from '../plan/replay-plan';
import { ReplayPlayer } from './replay-player';

const CALL = 'pbx1-1764752400-7-rabc123';
const event = (eventId: string, kind: 'started' | 'ended'): CallEvent =>
  ({
    schemaVersion: 1,
    eventId,
    occurredAt: '2026-12-03T09:00:00.000Z',
    callId: CALL,
    server: 'pbx1',
    channelId: '1764752400.7',
    channelName: 'SIP/carrier-00000007',
    replay: { of: 'pbx1-1764752400-7', session: '0f8fad5b-d9cb-469f-a165-70867728950e' },
    ...(kind === 'started'
      ? { event: 'started', direction: 'inbound', channelState: 'Up' }
      : { event: 'ended', cause: 16, causeText: 'Normal Clearing' }),
  }) as CallEvent;

/** Ten minutes of caller audio between a started and an ended. */
function longPlan(): ReplayPlan {
  const frames: ReplayItem[] = Array.from({ length: 30_000 }, (_, k) => ({
    kind: 'frame',
    atMs: 20 * k,
    track: 'caller',
    meta: {
      sequence: k,
      timestamp: k * 160,
      sampleRate: 8000,
      codec: 'ulaw',
      frameMs: 20,
      runId: 'run-1',
      replayOf: 'pbx1-1764752400-7',
    },
    pcm: new Uint8Array(320),
  }));
  return {
    callId: CALL,
    replayOf: 'pbx1-1764752400-7',
    items: [
      { kind: 'event', atMs: 0, event: event('00000000-0000-4000-8000-000000000001', 'started') },
      ...frames,
      {
        kind: 'event',
        atMs: 600_020,
        event: event('00000000-0000-4000-8000-000000000002', 'ended'),
      },
    ],
    frames: frames.length,
    events: 2,
    audioSeconds: 600,
    tracks: ['caller'],
  };
}

describe('ReplayPlayer', () => {
  let server: NatsTestServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = new NatsTestServer(await freePort());
    await server.start();
    nc = await connect({ servers: server.url });
    await (
      await nc.jetstreamManager()
    ).streams.add({
      name: CALL_EVENTS_STREAM,
      subjects: [CALL_EVENTS_WILDCARD],
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
    });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
  });

  it('publishes at the recorded pace, and a stopped replay still ends its call at once', async () => {
    const published: string[] = [];
    const events = nc.subscribe(CALL_EVENTS_WILDCARD, {
      callback: (_e, m) => published.push(decodeCallEvent(m.subject, m.data).event),
    });
    let frames = 0;
    const audio = nc.subscribe(AUDIO_WILDCARD, { callback: () => (frames += 1) });
    const stop = new AbortController();
    const playing = new ReplayPlayer(nc, nc.jetstream(), 1).play(longPlan(), stop.signal);
    await eventually(() => frames >= 10, 10_000, 'the first frames');
    stop.abort();
    const result = await playing;
    await nc.flush();
    await eventually(() => published.includes('ended'), 5000, 'the call to end');
    // Far fewer than the 30,000 frames of the recording went out: it kept the pace, then stopped.
    expect(result.frames).toBeLessThan(30_000);
    expect(result.frames).toBe(frames);
    expect(published).toEqual(['started', 'ended']);
    events.unsubscribe();
    audio.unsubscribe();
  });
});
