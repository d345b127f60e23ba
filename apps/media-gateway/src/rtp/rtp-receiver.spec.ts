import { audioSubject, SourceCodec } from '@asb/contracts';
import {
  alawDecode,
  alawEncode,
  ASTERISK_RTP_FORMATS,
  RTP_HEADER_BYTES,
  ulawDecode,
  ulawEncode,
  upsample8kTo16kInto,
  writeRtpHeader,
} from '@asb/rtp';
import {
  eventually,
  FrameCollector,
  RtpTestSender,
  sleep,
  startGateway,
  testSamples,
  TestGateway,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

/** What a consumer must get for frame `index` of a codec: G.711 quantises, slin is exact. */
function expectedSamples(codec: SourceCodec, index: number): Int16Array {
  const format = ASTERISK_RTP_FORMATS[codec];
  const source = testSamples(index, format.samplesPerPacket, format.sampleRate);
  if (codec === 'ulaw') return source.map((s) => ulawDecode(ulawEncode(s)));
  if (codec === 'alaw') return source.map((s) => alawDecode(alawEncode(s)));
  return source;
}

const RELATCH_AFTER_MS = 2000;
const REORDER_MAX_HOLD_MS = 1500;

describe('RtpReceiver: RTP in, PCM16LE frames out', () => {
  let nats: TestNats;
  let gateway: TestGateway;
  const senders: RtpTestSender[] = [];

  beforeAll(async () => {
    nats = await TestNats.start();
    gateway = await startGateway(
      nats,
      // Long enough that no stall of this busy machine between two sends looks like a silence or
      // like a missing packet given up: the default hold of 100 ms is shorter than such a stall.
      {
        GATEWAY_REORDER_WINDOW: '3',
        GATEWAY_REORDER_MAX_HOLD_MS: String(REORDER_MAX_HOLD_MS),
        GATEWAY_RELATCH_AFTER_MS: String(RELATCH_AFTER_MS),
      },
      40,
    );
  });

  afterAll(async () => {
    senders.forEach((sender) => sender.close());
    await gateway.close();
    await nats.stop();
  });

  async function openStream(codec: SourceCodec, resampleTo16k = false, sources?: string[]) {
    const callId = uniqueCallId();
    const reply = await nats.allocate({
      callId,
      track: 'caller',
      codec,
      server: 'pbx1',
      resampleTo16k,
      sources,
    });
    if (!reply.ok) throw new Error(reply.error);
    const frames = new FrameCollector(nats, audioSubject(callId, 'caller'));
    await nats.nc.flush();
    const sender = await RtpTestSender.open(reply.port, codec);
    senders.push(sender);
    return { callId, reply, frames, sender };
  }

  const rejected = (reason: string) =>
    gateway.metric('media_gateway_rtp_packets_rejected_total', { reason });

  it.each<[SourceCodec, number, number]>([
    ['ulaw', 8000, 320],
    ['alaw', 8000, 320],
    ['slin', 8000, 320],
    ['slin16', 16000, 640],
  ])('decodes %s exactly and labels each frame (rate %d, %d bytes)', async (codec, rate, bytes) => {
    const { frames, sender } = await openStream(codec);
    for (let seq = 0; seq < 10; seq += 1) await sender.sendFrame(seq);
    await frames.waitFor(10);
    frames.frames().forEach((frame, index) => {
      expect(frame).toMatchObject({
        sequence: index,
        timestamp: (index * rate) / 50,
        sampleRate: rate,
        codec,
        frameMs: 20,
      });
      expect(frame.pcm.byteLength).toBe(bytes);
      expect(frame.samples).toEqual(expectedSamples(codec, index));
    });
  });

  it('upsamples an 8 kHz codec to 16 kHz when the allocation asks for it', async () => {
    const { frames, sender } = await openStream('ulaw', true);
    for (let seq = 0; seq < 5; seq += 1) await sender.sendFrame(seq);
    await frames.waitFor(5);
    const state = { last: 0 };
    frames.frames().forEach((frame, index) => {
      expect(frame).toMatchObject({ sampleRate: 16000, codec: 'ulaw', timestamp: index * 320 });
      expect(frame.pcm.byteLength).toBe(640);
      const expected = new Int16Array(320);
      upsample8kTo16kInto(expectedSamples('ulaw', index), 160, expected, 0, state);
      expect(frame.samples).toEqual(expected);
    });
  });

  it('latches the first source and drops and counts packets from any other', async () => {
    const { frames, sender, reply } = await openStream('ulaw');
    if (!reply.ok) throw new Error('unreachable');
    const intruder = await RtpTestSender.open(reply.port, 'ulaw');
    senders.push(intruder);
    const before = await rejected('wrong_source');
    await sender.sendFrame(0);
    await intruder.sendFrame(1, 99);
    await intruder.sendFrame(2, 99);
    await sender.sendFrame(1);
    await sender.sendFrame(2);
    await frames.waitFor(3);
    await sleep(50);
    expect(frames.frames().map((f) => f.samples)).toEqual(
      [0, 1, 2].map((i) => expectedSamples('ulaw', i)),
    );
    expect((await rejected('wrong_source')) - before).toBe(2);
  });

  it('takes packets only from the addresses the allocation names, even before the first', async () => {
    const { frames, sender, reply } = await openStream('ulaw', false, ['127.0.0.1']);
    if (!reply.ok) throw new Error('unreachable');
    const spoofer = await RtpTestSender.open(reply.port, 'ulaw', '127.0.0.2');
    senders.push(spoofer);
    const before = await rejected('foreign_source');
    // Valid packets, sent before the PBX's: without the allocation's addresses they would latch.
    for (let seq = 0; seq < 3; seq += 1) await spoofer.sendFrame(seq, 99);
    await eventually(
      async () => (await rejected('foreign_source')) - before === 3,
      10_000,
      'the spoofed packets to be refused',
    );
    for (let seq = 0; seq < 3; seq += 1) await sender.sendFrame(seq);
    await frames.waitFor(3);
    await spoofer.sendFrame(3, 99);
    await eventually(
      async () => (await rejected('foreign_source')) - before === 4,
      10_000,
      'a spoofed packet after the latch to be refused',
    );
    expect(frames.frames().map((f) => f.samples)).toEqual(
      [0, 1, 2].map((i) => expectedSamples('ulaw', i)),
    );
  });

  it('hands the stream to another sender once the latched one has been silent long enough', async () => {
    const { frames, sender, reply } = await openStream('ulaw');
    if (!reply.ok) throw new Error('unreachable');
    // A stream nobody allocated the port for got there first (a dead gateway's tap), then stops.
    const stale = await RtpTestSender.open(reply.port, 'ulaw');
    senders.push(stale);
    for (let seq = 0; seq < 3; seq += 1) await stale.sendFrame(40_000 + seq, 99);
    await sender.sendFrame(0);
    await frames.waitFor(3);
    const relatched = () => gateway.metric('media_gateway_rtp_senders_relatched_total');
    const before = await relatched();
    await sleep(RELATCH_AFTER_MS + 200);
    for (let seq = 1; seq < 4; seq += 1) await sender.sendFrame(seq);
    await frames.waitFor(6);
    const received = frames.frames();
    expect(received.slice(3).map((f) => f.samples)).toEqual(
      [1, 2, 3].map((i) => expectedSamples('ulaw', i)),
    );
    expect(received.map((f) => f.timestamp / 160)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await relatched()) - before).toBe(1);
  });

  it('counts every kind of malformed packet by reason and keeps working', async () => {
    const { frames, sender } = await openStream('ulaw');
    const good = (seq: number) => sender.packet({ sequence: seq }, testSamples(seq, 160, 8000));
    const withFirstByte = (packet: Buffer, first: number) => {
      packet[0] = first;
      return packet;
    };
    const header = (payloadType: number, payloadBytes: number) => {
      const packet = Buffer.alloc(RTP_HEADER_BYTES + payloadBytes);
      writeRtpHeader(packet, 0, {
        payloadType,
        marker: false,
        sequence: 1,
        timestamp: 320,
        ssrc: 1,
      });
      return packet;
    };
    const cases: Array<[string, Buffer]> = [
      ['too_short', good(1).subarray(0, 8)],
      ['bad_version', withFirstByte(good(1), 0x40)],
      // Padding bit set, with a padding count larger than the packet.
      [
        'bad_padding',
        (() => {
          const packet = withFirstByte(good(1), 0xa0);
          packet[packet.length - 1] = 255;
          return packet;
        })(),
      ],
      // Extension bit set, with an extension length running past the end.
      [
        'bad_extension',
        (() => {
          const packet = withFirstByte(good(1), 0x90);
          packet.writeUInt16BE(0xffff, RTP_HEADER_BYTES + 2);
          return packet;
        })(),
      ],
      ['csrc_overflow', withFirstByte(good(1).subarray(0, 20), 0x8f)],
      ['empty_payload', header(0, 0)],
      ['wrong_payload_type', header(8, 160)],
      ['bad_payload_size', header(0, 100)],
      ['bad_payload_size', header(0, 1200)],
      // An HTTP request sent to the port by mistake: 'G' (0x47) reads as RTP version 1.
      ['bad_version', Buffer.from('GET / HTTP/1.1\r\nHost: gateway\r\n\r\n')],
    ];
    const reasons = [...new Set(cases.map(([reason]) => reason))];
    const before = await Promise.all(reasons.map(rejected));

    await sender.sendFrame(0);
    for (const [, datagram] of cases) await sender.send(datagram);
    for (let seq = 1; seq < 4; seq += 1) await sender.sendFrame(seq);
    await frames.waitFor(4);

    const after = await Promise.all(reasons.map(rejected));
    const counted = Object.fromEntries(reasons.map((reason, i) => [reason, after[i] - before[i]]));
    expect(counted).toEqual({
      too_short: 1,
      bad_version: 2,
      bad_padding: 1,
      bad_extension: 1,
      csrc_overflow: 1,
      empty_payload: 1,
      wrong_payload_type: 1,
      bad_payload_size: 2,
    });
    expect(frames.frames().map((f) => f.sequence)).toEqual([0, 1, 2, 3]);
    expect(frames.frames()[3].samples).toEqual(expectedSamples('ulaw', 3));
  });

  it('puts packets reordered within the window back in order and counts them', async () => {
    const { frames, sender } = await openStream('ulaw');
    const before = await gateway.metric('media_gateway_rtp_packets_reordered_total');
    for (const seq of [0, 1, 3, 2, 4, 6, 5, 7]) await sender.sendFrame(seq);
    await frames.waitFor(8);
    const received = frames.frames();
    expect(received.map((f) => f.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(received.map((f) => f.timestamp)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => i * 160));
    received.forEach((frame, i) => expect(frame.samples).toEqual(expectedSamples('ulaw', i)));
    expect((await gateway.metric('media_gateway_rtp_packets_reordered_total')) - before).toBe(2);
  });

  it('keeps holding a packet out of order while this process stalls for less than the hold', async () => {
    const { frames, sender } = await openStream('ulaw');
    const received = () => gateway.metric('media_gateway_rtp_packets_received_total');
    const late = () => gateway.metric('media_gateway_rtp_packets_late_total');
    const [receivedBefore, lateBefore] = [await received(), await late()];
    for (const seq of [0, 1, 3]) await sender.sendFrame(seq);
    await eventually(async () => (await received()) - receivedBefore >= 3, 5000, 'packet 3 held');
    // What a busy CI machine does to a test and its in-process gateway alike.
    const stallUntil = performance.now() + 300;
    while (performance.now() < stallUntil);
    for (const seq of [2, 4]) await sender.sendFrame(seq);
    await frames.waitFor(5);
    expect(frames.frames().map((f) => f.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect((await late()) - lateBefore).toBe(0);
  });

  it('counts a gap as lost and jumps the next timestamp over it', async () => {
    const { frames, sender } = await openStream('ulaw');
    const before = await gateway.metric('media_gateway_rtp_packets_lost_total');
    for (const seq of [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12]) await sender.sendFrame(seq);
    await frames.waitFor(11);
    const received = frames.frames();
    expect(received.map((f) => f.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(received[5].timestamp - received[4].timestamp).toBe(3 * 160);
    expect(received[5].samples).toEqual(expectedSamples('ulaw', 7));
    expect((await gateway.metric('media_gateway_rtp_packets_lost_total')) - before).toBe(2);
  });

  it('stamps frames with their capture time, which a sequence jump does not move, and their run', async () => {
    const { frames, sender, callId } = await openStream('ulaw');
    const sentFrom = Date.now();
    // Asterisk's RTP time follows its clock while the sequence number jumps by 2,999.
    for (const [seq, index] of [
      [0, 0],
      [1, 1],
      [2, 2],
      [3001, 3],
      [3002, 4],
    ]) {
      await sender.sendFrame(seq, index, { timestamp: 1000 + index * 160 });
    }
    await frames.waitFor(5);
    const sentTo = Date.now();
    const received = frames.frames();
    expect(received[3].timestamp - received[2].timestamp).toBe(2999 * 160);
    for (const frame of received) {
      expect(frame.capturedAt).toBeGreaterThanOrEqual(sentFrom - 100);
      expect(frame.capturedAt).toBeLessThanOrEqual(sentTo);
    }
    expect(received.map((f) => f.runId)).toEqual(received.map(() => received[0].runId));

    const again = await nats.allocate({
      callId,
      track: 'caller',
      codec: 'ulaw',
      server: 'pbx1',
      resampleTo16k: false,
    });
    if (!again.ok) throw new Error(again.error);
    const next = await RtpTestSender.open(again.port, 'ulaw');
    senders.push(next);
    await next.sendFrame(0);
    await frames.waitFor(6);
    expect(frames.frames()[5].runId).not.toBe(received[0].runId);
  });

  it('counts duplicates and publishes each packet once', async () => {
    const { frames, sender } = await openStream('ulaw');
    const before = await gateway.metric('media_gateway_rtp_packets_duplicate_total');
    for (const seq of [0, 1, 1, 2, 2, 2, 3, 1]) await sender.sendFrame(seq);
    await frames.waitFor(4);
    await sleep(150);
    expect(frames.frames().map((f) => f.timestamp)).toEqual([0, 160, 320, 480]);
    expect((await gateway.metric('media_gateway_rtp_packets_duplicate_total')) - before).toBe(4);
  });

  it('drops a packet that comes after its place was given up, as late', async () => {
    const { frames, sender } = await openStream('ulaw');
    const late = () => gateway.metric('media_gateway_rtp_packets_late_total');
    const before = await late();
    // The window holds 3 packets: 6 arriving gives up on 2.
    for (const seq of [0, 1, 3, 4, 5, 6, 2, 7]) await sender.sendFrame(seq);
    await frames.waitFor(7);
    await sleep(150);
    const received = frames.frames();
    expect(received.map((f) => f.timestamp / 160)).toEqual([0, 1, 3, 4, 5, 6, 7]);
    expect((await late()) - before).toBe(1);
  });

  it('releases held packets when the stream pauses behind a gap', async () => {
    const { frames, sender } = await openStream('ulaw');
    for (const seq of [0, 2, 3]) await sender.sendFrame(seq);
    await frames.waitFor(3, REORDER_MAX_HOLD_MS + 5000);
    expect(frames.frames().map((f) => f.timestamp / 160)).toEqual([0, 2, 3]);
  });

  it('follows the 16-bit sequence number across its wrap', async () => {
    const { frames, sender } = await openStream('ulaw');
    const first = 65533;
    for (let i = 0; i < 6; i += 1) await sender.sendFrame((first + i) & 0xffff, i);
    await frames.waitFor(6);
    expect(frames.frames().map((f) => f.timestamp / 160)).toEqual([0, 1, 2, 3, 4, 5]);
    frames
      .frames()
      .forEach((frame, i) => expect(frame.samples).toEqual(expectedSamples('ulaw', i)));
  });
});
