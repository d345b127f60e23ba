import { callIdFromChannel, CallEvent } from '@asb/contracts';
import { correlation } from '@asb/rtp';
import { loopedFixture } from './support/audio-alignment';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';

/** The call's lifecycle: metadata updates and the talk summary (after the end) left out. */
function order(events: CallEvent[]): string[] {
  return events
    .filter((e) => e.event !== 'updated' && e.event !== 'talk_summary')
    .map((e) => ('track' in e ? `${e.event}:${e.track}` : e.event));
}

describe('live call audio: asterisk-sim -> ari-ingest -> media-gateway -> NATS', () => {
  // The simulator sends from two threads here, as it must for 2,000 dual-track calls; the fault
  // tests keep the one-thread sender. Its Asterisks have a systemname, which prefixes every
  // uniqueid (the other stacks have none).
  const stack = new BridgeStack({
    servers: ['pbx1', 'pbx2'],
    env: { 'asterisk-sim': { SIM_RTP_THREADS: '2', SIM_SYSTEM_NAME: 'vici' } },
  });
  const recorders = new NatsRecorders();
  let calls: ScenarioCall[] = [];

  beforeAll(async () => {
    await recorders.start();
    await stack.start();
    calls = await stack.runScenario({
      totalCalls: 50,
      concurrency: 50,
      arrivalRate: 50,
      ringMs: { min: 200, max: 600 },
      talkMs: { min: 4000, max: 6000 },
      answerRatio: 0.8,
      seed: 7,
    });
    const callIds = calls.map((c) => callIdFromChannel(c.server, c.trunkChannelId));
    await recorders.waitFor(
      () => callIds.every((id) => recorders.eventsOf(id).some((e) => e.event === 'ended')),
      20_000,
      'an ended event for every call',
    );
  }, 120_000);

  afterAll(async () => {
    await recorders.stop();
    await stack.stop();
    stack.kill();
  });

  it('placed 50 calls on two Asterisk servers, most of them answered', () => {
    expect(calls).toHaveLength(50);
    expect(calls.every((c) => c.trunkChannelId.startsWith('vici-'))).toBe(true);
    expect(new Set(calls.map((c) => c.server))).toEqual(new Set(['pbx1', 'pbx2']));
    expect(calls.filter((c) => c.answeredAt).length).toBeGreaterThan(30);
  });

  it('publishes every call lifecycle in order: started, answered, taps up, taps down, ended', () => {
    for (const call of calls) {
      const callId = callIdFromChannel(call.server, call.trunkChannelId);
      const events = recorders.eventsOf(callId);
      const sequence = order(events);
      if (!call.answeredAt) {
        expect({ callId, sequence }).toEqual({ callId, sequence: ['started', 'ended'] });
        continue;
      }
      expect({ callId, head: sequence.slice(0, 2) }).toEqual({
        callId,
        head: ['started', 'answered'],
      });
      expect({ callId, tail: sequence.at(-1) }).toEqual({ callId, tail: 'ended' });
      expect({ callId, taps: sequence.slice(2, -1).sort() }).toEqual({
        callId,
        taps: [
          'tap_started:agent',
          'tap_started:caller',
          'tap_stopped:agent',
          'tap_stopped:caller',
        ],
      });
      const lastStart = Math.max(
        sequence.indexOf('tap_started:caller'),
        sequence.indexOf('tap_started:agent'),
      );
      const firstStop = Math.min(
        sequence.indexOf('tap_stopped:caller'),
        sequence.indexOf('tap_stopped:agent'),
      );
      expect(lastStart).toBeLessThan(firstStop);
      const ended = events.find((e) => e.event === 'ended');
      expect(ended).toMatchObject({
        cause: call.cause,
        server: call.server,
        channelName: call.trunkChannelName,
      });
      const meta = events.filter((e) => 'vicidial' in e && e.vicidial).at(-1) as {
        vicidial?: { callCode: string; leadId?: number };
      };
      expect(meta?.vicidial).toMatchObject({ callCode: call.callCode, leadId: call.plan.leadId });
    }
  });

  it('gives every dialled call the number dialled as its callee, without the Local dial prefix', () => {
    for (const call of calls.filter((c) => c.plan.type !== 'inbound')) {
      const callId = callIdFromChannel(call.server, call.trunkChannelId);
      const callees = recorders
        .eventsOf(callId)
        .map((e) => ('calleeNumber' in e ? e.calleeNumber : undefined))
        .filter((number) => number !== undefined);
      expect({ callId, callees: [...new Set(callees)] }).toEqual({
        callId,
        callees: [call.plan.number],
      });
    }
  });

  it("delivers both tracks of every answered call, matching the simulator's speech", () => {
    expect(recorders.invalidFrames).toEqual([]);
    for (const call of calls.filter((c) => c.answeredAt)) {
      const callId = callIdFromChannel(call.server, call.trunkChannelId);
      for (const [track, voice] of [
        ['caller', 'caller'],
        ['agent', 'agent'],
      ]) {
        const received = recorders.samples(`audio.v1.${callId}.${track}`);
        expect({ callId, track, enough: received.length >= 8000 * 1.5 }).toEqual({
          callId,
          track,
          enough: true,
        });
        const score = correlation(received, loopedFixture(voice, received.length));
        expect({ callId, track, matches: score > 0.95 }).toEqual({ callId, track, matches: true });
      }
    }
  });

  it('leaves no channel, bridge or gateway port behind', async () => {
    expect(await stack.settle()).toEqual([
      ['pbx1', 0, 0],
      ['pbx2', 0, 0],
    ]);
    expect(await stack.metric(stack.gateway, 'media_gateway_allocations_active')).toBe(0);
  });
});
