import { createSocket } from 'node:dgram';
import { audioSubject, callIdFromChannel, CallEvent, TapStarted } from '@asb/contracts';
import { RTP_HEADER_BYTES, writeRtpHeader } from '@asb/rtp';
import { eventually, sleep } from '@asb/testing';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';

const callIdOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);

function tapsStarted(events: CallEvent[]): TapStarted[] {
  return events.filter((e): e is TapStarted => e.event === 'tap_started');
}

/**
 * The live-audio path under the faults a call center's network and PBX produce. One stack for
 * the file; each test starts its own calls and waits for them all to end before it checks.
 */
describe('live call audio under faults', () => {
  const stack = new BridgeStack({
    servers: ['pbx1'],
    env: {
      'ari-ingest': { ARI_RECONCILE_INTERVAL_MS: '2000' },
      'media-gateway': { GATEWAY_IDLE_TIMEOUT_MS: '3000' },
    },
  });
  const recorders = new NatsRecorders();

  beforeAll(async () => {
    await recorders.start();
    await stack.start();
  }, 60_000);

  afterEach(async () => {
    await stack.control('PUT', '/sim/faults', {
      rtp: { lossPercent: 0, duplicatePercent: 0, reorderPercent: 0, jitterMs: 0 },
      ari: {
        stasisStartDelayMs: 0,
        stasisStartBeforeReply: false,
        restDelayMs: 0,
        restFailureRate: 0,
      },
    });
  });

  afterAll(async () => {
    await recorders.stop();
    await stack.stop();
    stack.kill();
  });

  async function endedAll(calls: ScenarioCall[]): Promise<void> {
    await recorders.waitFor(
      () => calls.every((c) => recorders.eventsOf(callIdOf(c)).some((e) => e.event === 'ended')),
      30_000,
      'an ended event for every call',
    );
  }

  async function startScenario(spec: Record<string, unknown>): Promise<string> {
    return (await stack.control<{ id: string }>('POST', '/sim/scenarios', spec)).id;
  }

  /** Waits for this many taps to start after the events seen so far (`from`). */
  async function tapsUp(from: number, count: number): Promise<void> {
    await recorders.waitFor(
      () => recorders.events.slice(from).filter((e) => e.event === 'tap_started').length >= count,
      15_000,
      `${count} taps`,
    );
  }

  /** Starts `count` answered calls and waits until both tracks of each are tapped. */
  async function tappedCalls(
    count: number,
    talkMs: { min: number; max: number },
    seed: number,
  ): Promise<{ from: number; id: string }> {
    const from = recorders.events.length;
    const id = await startScenario({
      totalCalls: count,
      concurrency: count,
      arrivalRate: 20,
      answerRatio: 1,
      talkMs,
      seed,
    });
    await tapsUp(from, count * 2);
    return { from, id };
  }

  async function finish(id: string): Promise<ScenarioCall[]> {
    for (;;) {
      const status = await stack.control<{ state: string; calls: ScenarioCall[] }>(
        'GET',
        `/sim/scenarios/${id}?calls=true`,
      );
      if (status.state === 'finished') return status.calls;
      await sleep(200);
    }
  }

  it('survives an ARI WebSocket drop mid-call without tapping any call twice', async () => {
    const { id } = await tappedCalls(6, { min: 6000, max: 7000 }, 11);
    const { dropped } = await stack.control<{ dropped: number }>(
      'POST',
      '/sim/servers/pbx1/websocket-drop',
    );
    expect(dropped).toBe(1);
    const calls = await finish(id);
    await endedAll(calls);
    for (const call of calls) {
      const started = tapsStarted(recorders.eventsOf(callIdOf(call)))
        .map((e) => e.track)
        .sort();
      expect({ call: callIdOf(call), started }).toEqual({
        call: callIdOf(call),
        started: ['agent', 'caller'],
      });
    }
    expect(await stack.settle()).toEqual([['pbx1', 0, 0]]);
  }, 60_000);

  it('sets taps up through slow, failing and late ARI replies (StasisStart after the reply)', async () => {
    const retriesBefore = await stack.metric(stack.ingest, 'ari_ingest_ari_request_retries_total');
    await stack.control('PUT', '/sim/faults', {
      ari: { restDelayMs: 30, restFailureRate: 0.08, stasisStartDelayMs: 150 },
    });
    const calls = await stack.runScenario({
      totalCalls: 8,
      concurrency: 8,
      arrivalRate: 20,
      answerRatio: 1,
      talkMs: { min: 4000, max: 5000 },
      seed: 12,
    });
    await endedAll(calls);
    // A failed request is retried, a failed attempt too, for as long as the call lasts: every
    // track of every call runs in the end.
    for (const call of calls) {
      const tracks = tapsStarted(recorders.eventsOf(callIdOf(call)))
        .map((e) => e.track)
        .sort();
      expect({ call: callIdOf(call), tracks }).toEqual({
        call: callIdOf(call),
        tracks: ['agent', 'caller'],
      });
    }
    expect(
      await stack.metric(stack.ingest, 'ari_ingest_ari_request_retries_total'),
    ).toBeGreaterThan(retriesBefore);
    await stack.control('PUT', '/sim/faults', {
      ari: { restDelayMs: 0, restFailureRate: 0, stasisStartDelayMs: 0 },
    });
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 60_000);

  it('handles a StasisStart that arrives before the HTTP reply', async () => {
    await stack.control('PUT', '/sim/faults', { ari: { stasisStartBeforeReply: true } });
    const calls = await stack.runScenario({
      totalCalls: 4,
      concurrency: 4,
      arrivalRate: 20,
      answerRatio: 1,
      talkMs: { min: 2500, max: 3000 },
      seed: 13,
    });
    await endedAll(calls);
    for (const call of calls)
      expect(tapsStarted(recorders.eventsOf(callIdOf(call)))).toHaveLength(2);
    expect(await stack.settle()).toEqual([['pbx1', 0, 0]]);
  }, 60_000);

  it('after ari-ingest is killed, a new one adopts the running taps: the audio never stops', async () => {
    const { id } = await tappedCalls(6, { min: 12_000, max: 13_000 }, 14);
    const before = recorders.events.length;
    const adoptedBefore = await stack.metric(stack.ingest, 'ari_ingest_taps_adopted_total');
    stack.ingest.kill();
    await stack.ingest.exit();
    stack.ingest = await stack.startIngest();
    await stack.ingest.waitFor('/health/ready');
    const calls = await finish(id);
    await endedAll(calls);
    const after = recorders.events.slice(before);
    expect(await stack.metric(stack.ingest, 'ari_ingest_taps_adopted_total')).toBe(
      adoptedBefore + 12,
    );
    for (const call of calls) {
      // The talk summary of what the new instance heard is not about the taps.
      const events = after.filter((e) => e.callId === callIdOf(call) && e.event !== 'talk_summary');
      // Taken over, not set up again: the taps of before the kill stop with the call.
      expect({ call: callIdOf(call), kinds: events.map((e) => e.event).sort() }).toEqual({
        call: callIdOf(call),
        kinds: ['ended', 'tap_stopped', 'tap_stopped'],
      });
      for (const track of ['caller', 'agent']) {
        const arrivals =
          recorders.audio.get(`audio.v1.${callIdOf(call)}.${track}`)?.receivedAt ?? [];
        const gap = Math.max(...arrivals.slice(1).map((at, i) => at - arrivals[i]));
        expect({ call: callIdOf(call), track, gapBelow1s: gap < 1000 }).toEqual({
          call: callIdOf(call),
          track,
          gapBelow1s: true,
        });
      }
    }
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
    await eventually(
      async () => (await stack.metric(stack.gateway, 'media_gateway_allocations_active')) === 0,
      10_000,
      'every gateway allocation released',
    );
  }, 90_000);

  it('takes its taps down on a graceful stop and leaves the calls alone', async () => {
    const { from, id } = await tappedCalls(3, { min: 8000, max: 9000 }, 18);
    const exit = await stack.ingest.stop('SIGTERM');
    expect(exit.code).toBe(0);
    await recorders.waitFor(
      () => recorders.events.slice(from).filter((e) => e.event === 'tap_stopped').length >= 6,
      5000,
      'tap_stopped',
    );
    expect(
      recorders.events
        .slice(from)
        .filter((e) => e.event === 'tap_stopped')
        .every((e) => 'reason' in e && e.reason === 'shutdown'),
    ).toBe(true);
    // The calls' own channels are all still there; none of ours is.
    const channels = await stack.ari<Array<{ id: string; name: string }>>('pbx1', '/channels');
    expect(channels.filter((c) => c.id.startsWith('asb-'))).toEqual([]);
    expect(channels.filter((c) => c.name.startsWith('SIP/carrier-'))).toHaveLength(3);
    expect(await stack.ari('pbx1', '/bridges')).toEqual([]);
    stack.ingest = await stack.startIngest();
    const calls = await finish(id);
    await endedAll(calls);
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 60_000);

  it('announces the end of calls that ended while no ari-ingest was running', async () => {
    const { id } = await tappedCalls(3, { min: 2500, max: 3000 }, 17);
    stack.ingest.kill();
    await stack.ingest.exit();
    const calls = await finish(id);
    stack.ingest = await stack.startIngest();
    await endedAll(calls);
    for (const call of calls) {
      const ended = recorders.eventsOf(callIdOf(call)).find((e) => e.event === 'ended');
      expect(ended).toMatchObject({ reconciled: true, channelName: call.trunkChannelName });
    }
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 60_000);

  it('reports 5 % RTP loss and reordering within 1 % of what the network did', async () => {
    await stack.control('PUT', '/sim/faults', { rtp: { lossPercent: 5, reorderPercent: 5 } });
    const calls = await stack.runScenario({
      totalCalls: 4,
      concurrency: 4,
      arrivalRate: 20,
      answerRatio: 1,
      talkMs: { min: 8000, max: 8500 },
      seed: 15,
    });
    await endedAll(calls);
    await sleep(1500);
    const sent = await stack.control<
      Array<{
        channelId: string;
        sent: number;
        lost: number;
        reordered: number;
        duplicated: number;
      }>
    >('GET', '/sim/streams');
    let compared = 0;
    for (const call of calls) {
      for (const tap of tapsStarted(recorders.eventsOf(callIdOf(call)))) {
        const network = sent.find((s) => s.channelId === tap.externalMediaChannelId);
        const stats = recorders.stats.get(`stats.v1.${tap.callId}.${tap.track}`);
        expect({ tap: tap.externalMediaChannelId, network: !!network, stats: !!stats }).toEqual({
          tap: tap.externalMediaChannelId,
          network: true,
          stats: true,
        });
        if (!network || !stats) continue;
        const produced = network.sent + network.lost - network.duplicated;
        expect(Math.abs(stats.lost - network.lost) / produced).toBeLessThanOrEqual(0.01);
        expect(
          Math.abs(stats.reordered + stats.late - network.reordered) / produced,
        ).toBeLessThanOrEqual(0.01);
        compared += 1;
      }
    }
    expect(compared).toBe(8);
  }, 60_000);

  /** A one-call scenario, tapped, for a test that sends its own packets to the gateway. */
  async function oneTappedCall(seed: number) {
    const from = recorders.events.length;
    const id = await startScenario({
      totalCalls: 1,
      concurrency: 1,
      arrivalRate: 5,
      answerRatio: 1,
      ringMs: { min: 100, max: 200 },
      talkMs: { min: 4000, max: 4000 },
      seed,
    });
    await tapsUp(from, 1);
    return { id, tap: tapsStarted(recorders.events.slice(from))[0] };
  }

  /** Sends 20 valid u-law packets to the tap's gateway port from `address`. */
  async function sendValidPackets(tap: TapStarted, address: string): Promise<void> {
    const gateway = tap.gateway;
    if (!gateway) throw new Error(`tap ${tap.callId}/${tap.track} is not an RTP tap`);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    const packet = Buffer.alloc(RTP_HEADER_BYTES + 160);
    for (let i = 0; i < 20; i += 1) {
      writeRtpHeader(packet, 0, {
        payloadType: 0,
        marker: false,
        sequence: i,
        timestamp: i * 160,
        ssrc: 1234,
      });
      await new Promise<void>((resolve) =>
        socket.send(packet, gateway.port, gateway.host, () => resolve()),
      );
    }
    socket.close();
  }

  const rejected = (reason: string) =>
    stack.metric(stack.gateway, 'media_gateway_rtp_packets_rejected_total', `reason="${reason}"`);

  it('drops and counts packets from a source other than the latched one', async () => {
    const { id, tap } = await oneTappedCall(16);
    await eventually(
      () => (recorders.audio.get(audioSubject(tap.callId, tap.track))?.frames ?? 0) > 0,
      10_000,
      "the PBX's packets to latch the stream",
    );
    const before = await rejected('wrong_source');
    // The PBX's address, another port: not the latched sender.
    await sendValidPackets(tap, '127.0.0.1');
    await eventually(
      async () => (await rejected('wrong_source')) - before === 20,
      10_000,
      'the 20 packets refused as wrong_source',
    );
    await endedAll(await finish(id));
  }, 30_000);

  it("drops and counts packets from an address that is not the PBX's, however early they come", async () => {
    const { id, tap } = await oneTappedCall(17);
    const [foreignBefore, wrongBefore] = [
      await rejected('foreign_source'),
      await rejected('wrong_source'),
    ];
    // Another host (any 127.x address is this machine's): ari-ingest told the gateway the PBX's.
    await sendValidPackets(tap, '127.0.0.2');
    await eventually(
      async () => (await rejected('foreign_source')) - foreignBefore === 20,
      10_000,
      'the 20 spoofed packets refused as foreign_source',
    );
    expect((await rejected('wrong_source')) - wrongBefore).toBe(0);
    await endedAll(await finish(id));
  }, 30_000);
});
