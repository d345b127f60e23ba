import {
  CallEvent,
  callEventSchema,
  parseAudioFrame,
  audioFrameHeaderEntries,
} from '@asb/contracts';
import { planReplay, RecordedCall, ReplayItem, replayCallId } from './replay-plan';

const T0 = Date.parse('2026-12-03T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const base = (eventId: string, ms: number) => ({
  schemaVersion: 1,
  eventId,
  occurredAt: at(ms),
  callId: 'pbx1-1764752400-7',
  server: 'pbx1',
  channelId: '1764752400.7',
  channelName: 'SIP/carrier-00000007',
});
const tap = (id: string, ms: number, track: 'caller' | 'agent'): CallEvent => ({
  ...base(id, ms),
  event: 'tap_started',
  track,
  codec: 'ulaw',
  sampleRate: 8000,
  transport: 'rtp',
  gateway: { gatewayId: 'gw1', host: '10.0.0.5', port: 40000 },
  snoopChannelId: `snoop-${track}`,
  externalMediaChannelId: `em-${track}`,
  bridgeId: `bridge-${track}`,
});
const stop = (
  id: string,
  ms: number,
  track: 'caller' | 'agent',
  reason: 'call_ended' | 'gateway_lost',
): CallEvent => ({
  ...base(id, ms),
  event: 'tap_stopped',
  track,
  reason,
});
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** 1 s of caller audio from 500 ms, 0.5 s of agent audio from 700 ms, in a stereo file. */
function recordedCall(events: CallEvent[]): RecordedCall {
  const left = new Int16Array(8000 + 1600).map((_, i) => (i < 8000 ? i : 0));
  const right = new Int16Array(8000 + 1600).map((_, i) => (i >= 1600 && i < 5600 ? -i : 0));
  return {
    callId: 'pbx1-1764752400-7',
    events,
    recording: {
      sampleRate: 8000,
      startedAt: new Date(T0 + 500),
      tracks: [
        {
          track: 'caller',
          channel: 0,
          offsetSamples: 0,
          firstTimestamp: 0,
          frames: 50,
          gapSamples: 0,
          lateFrames: 0,
        },
        {
          track: 'agent',
          channel: 1,
          offsetSamples: 1600,
          firstTimestamp: 0,
          frames: 25,
          gapSamples: 0,
          lateFrames: 0,
        },
      ],
      channels: [left, right],
    },
  };
}

const identity = {
  session: '0f8fad5b-d9cb-469f-a165-70867728950e',
  callId: 'pbx1-1764752400-7-rabc123',
  runIds: { caller: 'run-caller', agent: 'run-agent' },
  replayedAs: new Map([['pbx1-1764752400-7', 'pbx1-1764752400-7-rabc123']]),
};

const EVENTS: CallEvent[] = [
  {
    ...base(uuid(1), 0),
    event: 'started',
    direction: 'inbound',
    channelState: 'Ring',
    conversationId: 'pbx1-1764752400-7',
  },
  { ...base(uuid(2), 400), event: 'answered' },
  tap(uuid(3), 450, 'caller'),
  tap(uuid(4), 900, 'agent'),
  {
    ...base(uuid(5), 600),
    event: 'egress_started',
    direction: 'outbound',
    target: 'wss://ai',
    format: 'twilio',
    streamId: 's1',
    tracks: ['caller'],
  },
  stop(uuid(6), 1000, 'agent', 'gateway_lost'),
  tap(uuid(7), 1050, 'agent'),
  stop(uuid(8), 1400, 'caller', 'call_ended'),
  stop(uuid(9), 1400, 'agent', 'call_ended'),
  { ...base(uuid(10), 1400), event: 'ended', cause: 16, causeText: 'Normal Clearing' },
];

const frames = (items: ReplayItem[], track: string) =>
  items.filter(
    (i): i is Extract<ReplayItem, { kind: 'frame' }> => i.kind === 'frame' && i.track === track,
  );

describe('planReplay', () => {
  const plan = planReplay(recordedCall(EVENTS), identity);

  it("plays every track's recorded samples, 20 ms a frame, as valid frames of one run per track", () => {
    const caller = frames(plan.items, 'caller');
    expect(caller).toHaveLength(50);
    const samples = caller.flatMap((f) => Array.from(new Int16Array(f.pcm.slice().buffer)));
    expect(samples).toEqual(Array.from({ length: 8000 }, (_, i) => i));
    const agent = frames(plan.items, 'agent');
    expect(agent).toHaveLength(25);
    expect(Array.from(new Int16Array(agent[0].pcm.slice().buffer)).slice(0, 2)).toEqual([
      -1600, -1601,
    ]);
    const last = agent[24];
    const read = new Map(audioFrameHeaderEntries({ ...last.meta, capturedAt: 1 }));
    expect(parseAudioFrame((n) => read.get(n), last.pcm)).toMatchObject({
      sequence: 24,
      timestamp: 24 * 160,
      codec: 'ulaw',
      runId: 'run-agent',
      replayOf: 'pbx1-1764752400-7',
    });
  });

  it('keeps the tracks where the recording has them, after their tap_started', () => {
    const caller = frames(plan.items, 'caller');
    const agent = frames(plan.items, 'agent');
    expect(agent[0].atMs - caller[0].atMs).toBe(200);
    const index = (item: ReplayItem) => plan.items.indexOf(item);
    const tapOf = (track: string) =>
      plan.items.findIndex(
        (i) => i.kind === 'event' && i.event.event === 'tap_started' && i.event.track === track,
      );
    expect(tapOf('caller')).toBeLessThan(index(caller[0]));
    expect(tapOf('agent')).toBeLessThan(index(agent[0]));
  });

  it('replays one tap per track, no egress of the original, and ends after the last audio', () => {
    const events = plan.items.flatMap((i) => (i.kind === 'event' ? [i] : []));
    expect(
      events.map((e) => `${e.event.event}${'track' in e.event ? `:${e.event.track}` : ''}`),
    ).toEqual([
      'started',
      'answered',
      'tap_started:caller',
      'tap_started:agent',
      'tap_stopped:caller',
      'tap_stopped:agent',
      'ended',
    ]);
    const lastFrame = Math.max(...plan.items.filter((i) => i.kind === 'frame').map((i) => i.atMs));
    expect(events[events.length - 1].atMs).toBeGreaterThan(lastFrame);
    expect(plan.events).toBe(7);
    expect(plan.frames).toBe(75);
  });

  it('marks every event as a replay under the new callId, with new deterministic ids', () => {
    const events = plan.items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
    for (const event of events) {
      expect(callEventSchema.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({
        callId: identity.callId,
        replay: { of: 'pbx1-1764752400-7', session: identity.session },
      });
      expect(EVENTS.map((e) => e.eventId)).not.toContain(event.eventId);
    }
    expect(events[0]).toMatchObject({ conversationId: identity.callId });
    expect(
      planReplay(recordedCall(EVENTS), identity).items.map((i) =>
        i.kind === 'event' ? i.event.eventId : '',
      ),
    ).toEqual(plan.items.map((i) => (i.kind === 'event' ? i.event.eventId : '')));
  });

  it('drops a conversation link to a call that is not replayed with it', () => {
    const started = { ...EVENTS[0], conversationId: 'pbx2-1764752300-1' } as CallEvent;
    const other = planReplay(recordedCall([started, ...EVENTS.slice(1)]), identity);
    const first = other.items.find((i) => i.kind === 'event');
    expect(
      first?.kind === 'event' && 'conversationId' in first.event
        ? first.event.conversationId
        : undefined,
    ).toBeUndefined();
  });

  it('makes new callIds that stay one subject token however long the recorded one is', () => {
    expect(replayCallId('pbx1-1764752400-7', 'abc123')).toBe('pbx1-1764752400-7-rabc123');
    expect(replayCallId('x'.repeat(128), 'abc123')).toHaveLength(128);
  });
});
