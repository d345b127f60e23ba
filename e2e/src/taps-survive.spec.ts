import { callIdFromChannel, CallEvent, TapStarted } from '@asb/contracts';
import { eventually } from '@asb/testing';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';

const callIdOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);

const tapsStarted = (events: CallEvent[]): TapStarted[] =>
  events.filter((e): e is TapStarted => e.event === 'tap_started');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * What production does to taps, on the simulator that behaves like real Asterisk: a gateway
 * killed mid-call, reconciliation during a burst of new calls, a burst of answers on a PBX slow
 * to put channels into Stasis, call codes set after the answer, and more calls than the tap cap.
 * One stack for the file; each test waits for its own calls to end.
 */
describe('taps that survive restarts, bursts and overload', () => {
  const stack = new BridgeStack({
    servers: ['pbx1'],
    env: {
      // Reconciling every second makes its race with new calls as likely as it can be.
      'ari-ingest': { ARI_RECONCILE_INTERVAL_MS: '1000' },
    },
  });
  const recorders = new NatsRecorders();

  beforeAll(async () => {
    // ari-ingest provisions the call events stream the recorder reads.
    await stack.start();
    await recorders.start();
  }, 60_000);

  afterEach(async () => {
    await stack.control('PUT', '/sim/faults', {
      ari: { stasisEntryMs: 0, restDelayMs: 0, restFailureRate: 0 },
    });
  });

  afterAll(async () => {
    await recorders.stop();
    await stack.stop();
    stack.kill();
  });

  const scenario = (spec: Record<string, unknown>) => stack.startScenario(spec);
  const finish = (id: string) => stack.finishScenario(id, 120_000);

  async function endedAll(calls: ScenarioCall[]): Promise<void> {
    await recorders.waitFor(
      () => calls.every((c) => recorders.eventsOf(callIdOf(c)).some((e) => e.event === 'ended')),
      30_000,
      'an ended event for every call',
    );
  }

  const longestGapMs = (call: ScenarioCall, track: string) =>
    recorders.longestGapMs(`audio.v1.${callIdOf(call)}.${track}`, call.endedAt ?? 0);

  it('taps a killed media-gateway’s tracks again on a live one, losing at most ~2 s of audio', async () => {
    const second = await stack.startGateway('gw2');
    const from = recorders.events.length;
    const id = await scenario({
      totalCalls: 6,
      concurrency: 6,
      arrivalRate: 20,
      answerRatio: 1,
      ringMs: { min: 100, max: 300 },
      talkMs: { min: 14_000, max: 15_000 },
      mix: { outbound: 1 },
      seed: 31,
    });
    await recorders.waitFor(
      () => tapsStarted(recorders.events.slice(from)).length >= 12,
      20_000,
      '12 taps',
    );
    const before = tapsStarted(recorders.events.slice(from));
    const victimId = await stack.killBusierGateway(second, before);
    const affected = before.filter((tap) => tap.gateway?.gatewayId === victimId);

    const calls = await finish(id);
    await endedAll(calls);
    const gaps: Array<{ tap: string; gapMs: number }> = [];
    for (const tap of affected) {
      const events = recorders
        .eventsOf(tap.callId)
        .filter((e) => 'track' in e && e.track === tap.track);
      expect(events.find((e) => e.event === 'tap_stopped')).toMatchObject({
        reason: 'gateway_lost',
      });
      const retapped = tapsStarted(events).at(-1);
      expect(retapped?.gateway?.gatewayId).not.toBe(victimId);
      // The new tap took the lost one's snoop and bridge over: nothing new on the call's channel.
      expect(retapped?.snoopChannelId).toBe(tap.snoopChannelId);
      expect(retapped?.externalMediaChannelId).not.toBe(tap.externalMediaChannelId);
      const call = calls.find((c) => callIdOf(c) === tap.callId) as ScenarioCall;
      gaps.push({ tap: `${tap.callId}/${tap.track}`, gapMs: longestGapMs(call, tap.track) });
    }
    expect(gaps.filter((g) => g.gapMs > 3000)).toEqual([]);
    expect(affected.length).toBeGreaterThan(0);
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 120_000);

  it('taps every track again as soon as its only media-gateway is back from a restart', async () => {
    const from = recorders.events.length;
    const id = await scenario({
      totalCalls: 4,
      concurrency: 4,
      arrivalRate: 20,
      answerRatio: 1,
      ringMs: { min: 100, max: 300 },
      talkMs: { min: 16_000, max: 17_000 },
      mix: { outbound: 1 },
      seed: 39,
    });
    await recorders.waitFor(
      () => tapsStarted(recorders.events.slice(from)).length >= 8,
      20_000,
      '8 taps',
    );
    const { killedAt, backAt } = await stack.restartGateway();
    const calls = await finish(id);
    await endedAll(calls);
    // Audio comes back within moments of the gateway, not after a backoff or never.
    const allowedMs = backAt - killedAt + 1500;
    const gaps = calls.flatMap((call) =>
      ['caller', 'agent'].map((track) => ({
        tap: `${callIdOf(call)}/${track}`,
        gapMs: longestGapMs(call, track),
      })),
    );
    expect(gaps.filter((g) => g.gapMs > allowedMs)).toEqual([]);
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 120_000);

  it('never ends a live call during a burst of new calls, and taps each track once', async () => {
    // A slow channel list widens the window in which new calls are missing from it.
    await stack.control('PUT', '/sim/faults', { ari: { restDelayMs: 60 } });
    const id = await scenario({
      totalCalls: 60,
      concurrency: 60,
      arrivalRate: 60,
      answerRatio: 1,
      ringMs: { min: 100, max: 300 },
      talkMs: { min: 4000, max: 5000 },
      seed: 32,
    });
    const calls = await finish(id);
    await endedAll(calls);
    for (const call of calls) {
      const events = recorders.eventsOf(callIdOf(call));
      const ended = events.find((e) => e.event === 'ended');
      expect({ call: callIdOf(call), reconciled: ended && 'reconciled' in ended }).toEqual({
        call: callIdOf(call),
        reconciled: false,
      });
      // Asterisk's event time of the hangup, not a guess after it.
      expect(new Date(ended?.occurredAt ?? 0).getTime()).toBeGreaterThanOrEqual(
        (call.endedAt ?? 0) - 1000,
      );
      const tracks = tapsStarted(events)
        .map((e) => e.track)
        .sort();
      expect({ call: callIdOf(call), tracks }).toEqual({
        call: callIdOf(call),
        tracks: ['agent', 'caller'],
      });
    }
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 150_000);

  it('taps all of 100 calls answered within 2 s on a PBX slow to enter Stasis, promptly', async () => {
    // Asterisk's Stasis work is serial: each new snoop/externalMedia waits behind the others.
    await stack.control('PUT', '/sim/faults', { ari: { stasisEntryMs: 2 } });
    const id = await scenario({
      totalCalls: 100,
      concurrency: 100,
      arrivalRate: 100,
      answerRatio: 1,
      ringMs: { min: 500, max: 1500 },
      talkMs: { min: 5000, max: 6000 },
      seed: 33,
    });
    const calls = await finish(id);
    await endedAll(calls);
    const firstFrame: number[] = [];
    for (const call of calls) {
      for (const track of ['caller', 'agent']) {
        const audio = recorders.audio.get(`audio.v1.${callIdOf(call)}.${track}`);
        expect({ call: callIdOf(call), track, tapped: !!audio }).toEqual({
          call: callIdOf(call),
          track,
          tapped: true,
        });
        if (audio) firstFrame.push(Math.min(...audio.receivedAt) - (call.answeredAt ?? 0));
      }
    }
    expect(firstFrame).toHaveLength(200);
    // The < 1 s target is measured by `npm run bench:faults` (its burst row); a suite shares the
    // box with everything else, so this bound only catches a setup that queues or backs off.
    expect(percentile(firstFrame, 95)).toBeLessThan(2500);
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 150_000);

  it('keeps trying a tap through failing ARI requests until it runs', async () => {
    await stack.control('PUT', '/sim/faults', { ari: { restFailureRate: 0.15 } });
    const id = await scenario({
      totalCalls: 30,
      concurrency: 30,
      arrivalRate: 30,
      answerRatio: 1,
      ringMs: { min: 200, max: 600 },
      talkMs: { min: 6000, max: 7000 },
      seed: 34,
    });
    const calls = await finish(id);
    await endedAll(calls);
    for (const call of calls) {
      const tracks = tapsStarted(recorders.eventsOf(callIdOf(call)))
        .map((e) => e.track)
        .sort();
      expect({ call: callIdOf(call), tracks }).toEqual({
        call: callIdOf(call),
        tracks: ['agent', 'caller'],
      });
    }
    await stack.control('PUT', '/sim/faults', { ari: { restFailureRate: 0 } });
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 150_000);

  it('gives up on calls that vanish while being tapped, and leaves nothing behind', async () => {
    // Hung up as they are answered: the snoop finds the channel gone (404), which Asterisk
    // confirms on GET /channels/{id}; nothing may be retried forever or left on the PBX.
    const id = await scenario({
      totalCalls: 20,
      concurrency: 20,
      arrivalRate: 40,
      answerRatio: 1,
      ringMs: { min: 100, max: 300 },
      talkMs: { min: 0, max: 40 },
      seed: 38,
    });
    const calls = await finish(id);
    await endedAll(calls);
    await eventually(
      async () => (await stack.metric(stack.ingest, 'ari_ingest_taps_in_use')) === 0,
      15_000,
      'no tap set up or running',
    );
    for (const call of calls) {
      // The talk summary comes after the end by design: it waits for the tracks' last audio.
      const events = recorders.eventsOf(callIdOf(call)).filter((e) => e.event !== 'talk_summary');
      const ended = events.find((e) => e.event === 'ended');
      expect({ call: callIdOf(call), endedLast: events.at(-1) === ended }).toEqual({
        call: callIdOf(call),
        endedLast: true,
      });
    }
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 60_000);

  describe('with a policy on call codes and a tap cap', () => {
    async function restartIngest(env: Record<string, string>): Promise<void> {
      await stack.ingest.stop('SIGTERM');
      stack.ingest = await stack.startIngest(env);
      await stack.ingest.waitFor('/health/ready');
    }

    afterAll(async () => {
      await restartIngest({});
    }, 60_000);

    it('taps an inbound call when VICIdial names it after the answer', async () => {
      // The periodic reconciliation must not be what finds it.
      await restartIngest({ TAP_CALL_TYPES: 'Y', ARI_RECONCILE_INTERVAL_MS: '600000' });
      const id = await scenario({
        totalCalls: 3,
        concurrency: 3,
        arrivalRate: 10,
        answerRatio: 1,
        ringMs: { min: 200, max: 400 },
        talkMs: { min: 5000, max: 5500 },
        callCodeDelayMs: { min: 300, max: 700 },
        mix: { inbound: 1 },
        seed: 35,
      });
      const calls = await finish(id);
      await endedAll(calls);
      for (const call of calls) {
        const events = recorders.eventsOf(callIdOf(call));
        const answered = events.find((e) => e.event === 'answered');
        expect(answered && 'vicidial' in answered ? answered.vicidial : undefined).toBeUndefined();
        const taps = tapsStarted(events);
        expect(taps.map((t) => t.track).sort()).toEqual(['agent', 'caller']);
        for (const tap of taps) {
          expect(new Date(tap.occurredAt).getTime() - (call.answeredAt ?? 0)).toBeLessThan(3000);
        }
      }
    }, 60_000);

    it('says which tracks it does not tap over the cap, and taps them when capacity frees', async () => {
      await restartIngest({ TAP_MAX_CONCURRENT: '4' });
      const before = await stack.metric(stack.ingest, 'ari_ingest_tracks_not_tapped_total');
      const first = await scenario({
        totalCalls: 2,
        concurrency: 2,
        arrivalRate: 20,
        answerRatio: 1,
        ringMs: { min: 100, max: 200 },
        talkMs: { min: 3000, max: 3000 },
        mix: { outbound: 1 },
        seed: 36,
      });
      const from = recorders.events.length;
      await recorders.waitFor(
        () => tapsStarted(recorders.events.slice(from)).length >= 4,
        15_000,
        'the first 4 taps',
      );
      const late = await scenario({
        totalCalls: 1,
        concurrency: 1,
        arrivalRate: 20,
        answerRatio: 1,
        ringMs: { min: 100, max: 200 },
        talkMs: { min: 7000, max: 7000 },
        mix: { outbound: 1 },
        seed: 37,
      });
      const [lateCall] = await finish(late);
      await endedAll([...(await finish(first)), lateCall]);
      const events = recorders.eventsOf(callIdOf(lateCall));
      const refused = events.filter((e) => e.event === 'not_tapped');
      expect(refused.map((e) => ('track' in e ? e.track : '')).sort()).toEqual(['agent', 'caller']);
      expect(refused[0]).toMatchObject({ reason: 'tap_limit', limit: 4 });
      // Once the first calls ended, the late one was tapped after all.
      expect(
        tapsStarted(events)
          .map((e) => e.track)
          .sort(),
      ).toEqual(['agent', 'caller']);
      expect(
        (await stack.metric(stack.ingest, 'ari_ingest_tracks_not_tapped_total')) - before,
      ).toBe(2);
    }, 60_000);
  });
});
