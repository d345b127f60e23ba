import {
  decodeJson,
  statsSubject,
  STREAM_STATS_MAX_BYTES,
  StreamStats,
  streamStatsSchema,
} from '@asb/contracts';
import type { Msg } from 'nats';
import {
  eventually,
  RtpTestSender,
  sleep,
  startGateway,
  TestGateway,
  testSamples,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

describe('StatsPublisher', () => {
  let nats: TestNats;
  let gateway: TestGateway;
  let sender: RtpTestSender | undefined;

  beforeAll(async () => {
    nats = await TestNats.start();
    gateway = await startGateway(nats, { GATEWAY_STATS_INTERVAL_MS: '1000' });
  });

  afterAll(async () => {
    sender?.close();
    await gateway.close();
    await nats.stop();
  });

  it('publishes each stream about once a second with its counters, jitter and stall', async () => {
    const callId = uniqueCallId();
    const samples: StreamStats[] = [];
    const arrivals: number[] = [];
    nats.nc.subscribe(statsSubject(callId, 'agent'), {
      callback: (_error, message) => {
        arrivals.push(Date.now());
        samples.push(decodeJson(streamStatsSchema, message.data, STREAM_STATS_MAX_BYTES));
      },
    });
    const reply = await nats.allocate({ callId, track: 'agent', codec: 'ulaw', server: 'pbx1' });
    if (!reply.ok) throw new Error(reply.error);
    sender = await RtpTestSender.open(reply.port, 'ulaw');
    const firstSentAt = Date.now();

    // 30 packets with uneven spacing; 12 lost, 20 sent twice, 16 and 15 swapped, one bad.
    const order = [...Array(30).keys()]
      .filter((seq) => seq !== 12)
      .map((seq) => (seq === 15 ? 16 : seq === 16 ? 15 : seq));
    for (const seq of order) {
      await sender.sendFrame(seq);
      if (seq === 20) await sender.sendFrame(seq);
      await sleep(seq % 3 === 0 ? 35 : 5);
    }
    await sender.send(Buffer.from('not rtp'));

    await eventually(() => samples.some((stats) => stats.packets === 30), 3000, 'every packet');
    const latest = samples.at(-1) as StreamStats;
    expect(latest).toMatchObject({
      schemaVersion: 1,
      callId,
      track: 'agent',
      gatewayId: gateway.gatewayId,
      codec: 'ulaw',
      sampleRate: 8000,
      ssrc: 0x11223344,
      packets: 30,
      bytes: 30 * 172,
      lost: 1,
      duplicates: 1,
      reordered: 1,
      late: 0,
      rejected: 1,
      stalled: false,
    });
    expect(latest.jitterMs).toBeGreaterThan(0);
    // One run per allocation, and the time its first packet came (not the first sample's).
    expect(latest.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(latest.bootId).toBe(gateway.bootId);
    expect(new Set(samples.map((stats) => stats.runId)).size).toBe(1);
    expect(Date.parse(latest.firstPacketAt ?? '')).toBeGreaterThanOrEqual(firstSentAt);
    expect(Date.parse(latest.firstPacketAt ?? '')).toBeLessThan(firstSentAt + 100);
    expect(latest.levelDbfs).toBeGreaterThan(-30);
    expect(latest.levelDbfs).toBeLessThan(0);

    // No packet since: the stream reads as stalled once 2 s have passed.
    await eventually(() => samples.some((stats) => stats.stalled), 4000, 'a stalled sample');
    const stalled = samples.find((stats) => stats.stalled) as StreamStats;
    expect(stalled.lastPacketAgeMs).toBeGreaterThanOrEqual(2000);
    expect(stalled.levelDbfs).toBe(-100);

    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    gaps.forEach((gap) => expect(Math.abs(gap - 1000)).toBeLessThan(250));
  }, 15_000);

  it('reports the audio analysis: speech activity, and a format that is not what the stream claims', async () => {
    const ok = uniqueCallId();
    const swapped = uniqueCallId();
    const okSamples = nats.collect(statsSubject(ok, 'caller'));
    const swappedSamples = nats.collect(statsSubject(swapped, 'caller'));
    const senders = [];
    for (const callId of [ok, swapped]) {
      const reply = await nats.allocate({ callId, track: 'caller', codec: 'slin', server: 'pbx1' });
      if (!reply.ok) throw new Error(reply.error);
      senders.push(await RtpTestSender.open(reply.port, 'slin'));
    }
    const [good, bad] = senders;
    // 6 s of audio, sent faster than real time in bursts the socket buffer holds.
    for (let seq = 0; seq < 300; seq += 1) {
      const samples = testSamples(seq, 160, 8000);
      await good.send(good.packet({ sequence: seq }, samples));
      await bad.send(
        bad.packet(
          { sequence: seq },
          samples.map((s) => ((s & 0xff) << 8) | ((s >> 8) & 0xff)),
        ),
      );
      if (seq % 20 === 19) await sleep(5);
    }
    const audioOf = (messages: Msg[]) =>
      messages.map((m) => decodeJson(streamStatsSchema, m.data, STREAM_STATS_MAX_BYTES).audio);
    await eventually(
      () => audioOf(swappedSamples).some((audio) => audio?.suspectFormat === 'broadband_noise'),
      5000,
      'the byte-swapped stream called broadband noise',
    );
    await eventually(
      () => audioOf(okSamples).some((audio) => audio?.analysedMs === 6000),
      5000,
      'the whole good stream analysed',
    );
    const reported = audioOf(okSamples);
    expect(
      reported.every(
        (audio) => audio !== undefined && audio.suspectFormat === undefined && !audio.clipping,
      ),
    ).toBe(true);
    expect(reported.at(-1)?.speechMs).toBe(6000);
    const slots = reported.map((audio) => audio?.activity?.slots ?? '').join('');
    expect(slots).toMatch(/^1+$/);
    senders.forEach((sender) => sender.close());
  }, 15_000);

  it('publishes a last sample when the stream is released', async () => {
    const callId = uniqueCallId();
    const messages = nats.collect(statsSubject(callId, 'caller'));
    const reply = await nats.allocate({ callId, track: 'caller', codec: 'slin16', server: 'pbx1' });
    if (!reply.ok) throw new Error(reply.error);
    const slin = await RtpTestSender.open(reply.port, 'slin16');
    for (let seq = 0; seq < 3; seq += 1) await slin.sendFrame(seq);
    await sleep(50);
    const periodic = messages.length;
    expect(await nats.release(reply.allocationId, reply.gatewayId)).toEqual({ ok: true });
    slin.close();
    await eventually(() => messages.length > periodic, 1000, 'the final sample');
    const last = decodeJson(
      streamStatsSchema,
      messages[messages.length - 1].data,
      STREAM_STATS_MAX_BYTES,
    );
    expect(last).toMatchObject({
      packets: 3,
      bytes: 3 * 652,
      sampleRate: 16000,
      codec: 'slin16',
      final: true,
    });
    // The open activity slot goes out with it.
    expect(last.audio?.activity?.slots).toMatch(/^[01]{1,2}$/);
  });
});
