import { connect } from 'nats';
import { AUDIOSOCKET_TAPS_BUCKET, callIdFromChannel, CallEvent, TapStarted } from '@asb/contracts';
import { correlation } from '@asb/rtp';
import { eventually, freePort } from '@asb/testing';
import { loopedFixture } from './support/audio-alignment';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';
import { TcpFront } from './support/tcp-front';
import { NATS_URL } from './support/workspace';

const callIdOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);

const tapsStarted = (events: CallEvent[]): TapStarted[] =>
  events.filter((e): e is TapStarted => e.event === 'tap_started');

/**
 * Taps over AudioSocket, as on Kubernetes: ari-ingest registers each tap's UUID, the simulated
 * Asterisk 18 connects to the gateways' one TCP address (a TcpFront, as a Service), and the
 * gateway that takes the connection publishes the same frames as for RTP. One stack for the file.
 */
describe('taps over AudioSocket: asterisk-sim -> ari-ingest -> media-gateway (TCP) -> NATS', () => {
  const recorders = new NatsRecorders();
  const front = new TcpFront();
  let stack: BridgeStack;

  beforeAll(async () => {
    const audioSocketPort = await freePort();
    front.add(audioSocketPort);
    const frontPort = await front.listen();
    stack = new BridgeStack({
      servers: ['pbx1'],
      env: {
        'media-gateway': { GATEWAY_AUDIOSOCKET_PORT: String(audioSocketPort) },
        'ari-ingest': {
          TAP_TRANSPORT: 'audiosocket',
          TAP_AUDIOSOCKET_ADDRESS: `127.0.0.1:${frontPort}`,
        },
      },
    });
    await recorders.start();
    await stack.start();
  }, 60_000);

  afterAll(async () => {
    await recorders.stop();
    await stack?.stop();
    stack?.kill();
    await front.close();
  });

  async function endedAll(calls: ScenarioCall[]): Promise<void> {
    await recorders.waitFor(
      () => calls.every((c) => recorders.eventsOf(callIdOf(c)).some((e) => e.event === 'ended')),
      30_000,
      'an ended event for every call',
    );
  }

  it("taps both tracks of every answered call over TCP, with the simulator's speech", async () => {
    const calls = await stack.runScenario({
      totalCalls: 20,
      concurrency: 20,
      arrivalRate: 20,
      ringMs: { min: 200, max: 400 },
      talkMs: { min: 4000, max: 5000 },
      answerRatio: 1,
      seed: 41,
    });
    await endedAll(calls);
    expect(recorders.invalidFrames).toEqual([]);
    const taps = calls.flatMap((call) => tapsStarted(recorders.eventsOf(callIdOf(call))));
    expect(taps).toHaveLength(40);
    for (const tap of taps) {
      expect(tap).toMatchObject({ transport: 'audiosocket', codec: 'slin', sampleRate: 8000 });
      expect(tap.gateway).toBeUndefined();
    }
    for (const call of calls) {
      for (const track of ['caller', 'agent']) {
        const received = recorders.samples(`audio.v1.${callIdOf(call)}.${track}`);
        const heard = {
          call: callIdOf(call),
          track,
          enough: received.length >= 8000 * 2,
          matches: correlation(received, loopedFixture(track, received.length)) > 0.95,
        };
        expect(heard).toEqual({ ...heard, enough: true, matches: true });
      }
    }

    // Nothing left: no channel or bridge on the PBX, no connection, no registered UUID.
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
    await eventually(
      async () => (await stack.metric(stack.gateway, 'media_gateway_audiosocket_streams')) === 0,
      10_000,
      'the gateway to close every AudioSocket stream',
    );
    const nc = await connect({ servers: NATS_URL });
    try {
      const kv = await nc.jetstream().views.kv(AUDIOSOCKET_TAPS_BUCKET, { bindOnly: true });
      const left = [];
      for (const tap of taps) {
        const entry = await kv.get(tap.audioSocket?.uuid as string);
        if (entry?.operation === 'PUT') left.push(tap.audioSocket?.uuid);
      }
      expect(left).toEqual([]);
    } finally {
      await nc.close();
    }
  }, 120_000);

  it('taps a track again at once when its connection is lost, keeping its snoop and bridge', async () => {
    const from = recorders.events.length;
    await stack.startScenario({
      totalCalls: 1,
      concurrency: 1,
      arrivalRate: 5,
      answerRatio: 1,
      ringMs: { min: 100, max: 200 },
      talkMs: { min: 8000, max: 8000 },
      seed: 47,
    });
    await recorders.waitFor(
      () => tapsStarted(recorders.events.slice(from)).length >= 2,
      20_000,
      '2 taps',
    );
    const [lost] = tapsStarted(recorders.events.slice(from));
    // What Asterisk does when the connection drops: it hangs the AudioSocket channel up.
    const lostAt = Date.now();
    const response = await fetch(
      `http://127.0.0.1:${stack.ariPorts.get('pbx1')}/ari/channels/${lost.externalMediaChannelId}?reason_code=0`,
      {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`asterisk:${stack.password}`).toString('base64')}`,
        },
      },
    );
    expect(response.status).toBe(204);
    const again = () =>
      tapsStarted(recorders.eventsOf(lost.callId)).filter(
        (tap) =>
          tap.track === lost.track && tap.externalMediaChannelId !== lost.externalMediaChannelId,
      );
    await recorders.waitFor(() => again().length > 0, 10_000, 'the track tapped again');
    expect(Date.now() - lostAt).toBeLessThan(5000);
    expect(again()[0]).toMatchObject({
      snoopChannelId: lost.snoopChannelId,
      bridgeId: lost.bridgeId,
      transport: 'audiosocket',
    });
    expect(recorders.eventsOf(lost.callId).find((e) => e.event === 'tap_stopped')).toMatchObject({
      track: lost.track,
      reason: 'gateway_lost',
    });
  }, 60_000);

  it('taps every track again as soon as its gateway, killed mid-call, is back', async () => {
    const from = recorders.events.length;
    const id = await stack.startScenario({
      totalCalls: 4,
      concurrency: 4,
      arrivalRate: 20,
      answerRatio: 1,
      ringMs: { min: 100, max: 300 },
      talkMs: { min: 14_000, max: 15_000 },
      mix: { outbound: 1 },
      seed: 43,
    });
    await recorders.waitFor(
      () => tapsStarted(recorders.events.slice(from)).length >= 8,
      20_000,
      '8 taps',
    );
    const before = tapsStarted(recorders.events.slice(from));
    const { killedAt, backAt } = await stack.restartGateway();
    const calls = await stack.finishScenario(id);
    await endedAll(calls);

    for (const tap of before) {
      const events = recorders
        .eventsOf(tap.callId)
        .filter((e) => 'track' in e && e.track === tap.track);
      // Asterisk hung up the channel whose connection died, and the tap was redone: with a new
      // UUID, once a gateway took connections again.
      expect(events.find((e) => e.event === 'tap_stopped')).toMatchObject({
        reason: 'gateway_lost',
      });
      const again = tapsStarted(events).at(-1);
      expect(again?.audioSocket?.uuid).not.toBe(tap.audioSocket?.uuid);
    }
    // Audio comes back within moments of the gateway, not after a backoff or never.
    const allowedMs = backAt - killedAt + 1500;
    const gaps = calls.flatMap((call) =>
      ['caller', 'agent'].map((track) => ({
        tap: `${callIdOf(call)}/${track}`,
        gapMs: recorders.longestGapMs(`audio.v1.${callIdOf(call)}.${track}`, call.endedAt ?? 0),
      })),
    );
    expect(gaps.filter((g) => g.gapMs > allowedMs)).toEqual([]);
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 120_000);

  it('taps the tracks of a gateway whose node vanished again on a live one, though their connections never close', async () => {
    const secondPort = await freePort();
    const second = await stack.startGateway('gw2', {
      GATEWAY_AUDIOSOCKET_PORT: String(secondPort),
    });
    front.add(secondPort);
    const from = recorders.events.length;
    const id = await stack.startScenario({
      totalCalls: 6,
      concurrency: 6,
      arrivalRate: 20,
      answerRatio: 1,
      ringMs: { min: 100, max: 300 },
      talkMs: { min: 14_000, max: 15_000 },
      mix: { outbound: 1 },
      seed: 53,
    });
    await recorders.waitFor(
      () => tapsStarted(recorders.events.slice(from)).length >= 12,
      20_000,
      '12 taps',
    );
    const taps = tapsStarted(recorders.events.slice(from));
    const servedBy = (tap: TapStarted) => {
      const sample = recorders.stats.get(`stats.v1.${tap.callId}.${tap.track}`);
      return sample?.runId === tap.audioSocket?.uuid ? sample?.gatewayId : undefined;
    };
    // Both gateways took connections: the front hands them out in turn.
    await recorders.waitFor(
      () => taps.every((tap) => servedBy(tap) !== undefined),
      10_000,
      'a stats sample of every tap',
    );
    const secondId = `gw2-${stack.app}`;
    const onSecond = taps.filter((tap) => servedBy(tap) === secondId);
    expect(onSecond.length).toBeGreaterThan(0);
    expect(onSecond.length).toBeLessThan(taps.length);

    // Its process answers nothing and its connections stay open: only its heartbeats stop.
    front.vanish(secondPort);
    second.freeze();
    const calls = await stack.finishScenario(id);
    await endedAll(calls);
    second.kill();

    const gaps = onSecond.map((tap) => {
      const call = calls.find((c) => callIdOf(c) === tap.callId) as ScenarioCall;
      return {
        tap: `${tap.callId}/${tap.track}`,
        gapMs: recorders.longestGapMs(`audio.v1.${tap.callId}.${tap.track}`, call.endedAt ?? 0),
        stopped: recorders
          .eventsOf(tap.callId)
          .find((e) => e.event === 'tap_stopped' && e.track === tap.track),
      };
    });
    for (const gap of gaps) expect(gap.stopped).toMatchObject({ reason: 'gateway_lost' });
    // Lost after GATEWAY_LOST_AFTER_MS (1.5 s) of silence, then tapped again through the front.
    expect(gaps.filter((g) => g.gapMs > 4000)).toEqual([]);
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 120_000);
});
