import { createSocket, Socket } from 'node:dgram';
import {
  ASTERISK_RTP_FORMATS,
  parseRtpPacket,
  createRtpPacketView,
  slinBeToPcm16Into,
  ulawDecode,
  ulawEncode,
  correlation,
} from '@asb/rtp';
import { eventually, freePort, sleep } from '@asb/testing';
import type { ExternalMediaEndpoint } from '../pbx/sim-channel';
import { decodeUlawPackets } from './__tests__/ulaw-packets';
import { FixtureLibrary } from './fixture-library';
import { RtpSender } from './rtp-sender';

interface Received {
  at: number;
  packet: Buffer;
  from: number;
}

async function listen(): Promise<{ socket: Socket; port: number; received: Received[] }> {
  const socket = createSocket('udp4');
  const received: Received[] = [];
  socket.on('message', (packet, rinfo) =>
    received.push({ at: performance.now(), packet, from: rinfo.port }),
  );
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

describe('RtpSender', () => {
  const fixtures = new FixtureLibrary();
  let sender: RtpSender;
  let receiver: Awaited<ReturnType<typeof listen>>;

  beforeEach(async () => {
    const portMin = await freePort();
    sender = new RtpSender(fixtures, { bindAddress: '127.0.0.1', portMin, portMax: portMin + 20 });
    receiver = await listen();
  });

  afterEach(() => {
    sender.close();
    receiver.socket.close();
  });

  async function stream(format: ExternalMediaEndpoint['format'], voices: string[], ms: number) {
    const local = await sender.allocateLocalPort();
    const endpoint: ExternalMediaEndpoint = {
      host: '127.0.0.1',
      port: receiver.port,
      format,
      localAddress: local.address,
      localPort: local.port,
    };
    const startedAt = performance.now();
    sender.startStream('em-1', endpoint, voices);
    await sleep(ms);
    sender.stopStream('em-1');
    const streamedMs = performance.now() - startedAt;
    // Everything the sender counted as sent, however late a busy machine delivers it.
    const sent = sender.reports().find((report) => report.channelId === 'em-1')?.sent ?? 0;
    await eventually(() => receiver.received.length >= sent, 10_000, `${sent} packets`);
    return { endpoint, packets: receiver.received, streamedMs };
  }

  it('sends u-law as Asterisk does: 172-byte packets every 20 ms from the channel port, one SSRC, no marker', async () => {
    const { endpoint, packets, streamedMs } = await stream('ulaw', ['caller'], 1000);
    // One packet per 20 ms of the time it really streamed (a busy machine stretches the sleep).
    expect(packets.length).toBeGreaterThanOrEqual(Math.floor(streamedMs / 20) - 5);
    expect(packets.length).toBeLessThanOrEqual(Math.ceil(streamedMs / 20) + 2);
    const rtp = packets.map(({ packet }) => {
      const v = createRtpPacketView();
      expect(parseRtpPacket(packet, v)).toBeNull();
      return { ...v, size: packet.length };
    });
    expect(new Set(packets.map((p) => p.from))).toEqual(new Set([endpoint.localPort]));
    expect(new Set(rtp.map((p) => p.size))).toEqual(new Set([172]));
    expect(new Set(rtp.map((p) => p.payloadType))).toEqual(new Set([0]));
    expect(new Set(rtp.map((p) => p.ssrc)).size).toBe(1);
    expect(rtp.some((p) => p.marker)).toBe(false);
    expect(rtp[0].timestamp).toBe(160);
    rtp.forEach((p, i) => {
      expect(p.sequence).toBe((rtp[0].sequence + i) & 0xffff);
      expect(p.timestamp).toBe(160 * (i + 1));
    });
    const span = packets[packets.length - 1].at - packets[0].at;
    expect(span / (packets.length - 1)).toBeGreaterThan(18);
    expect(span / (packets.length - 1)).toBeLessThan(22);
  });

  it('sends the caller fixture exactly, big-endian, in slin16 (652-byte packets, pt 118, +320 per packet)', async () => {
    const { packets } = await stream('slin16', ['caller'], 600);
    const expected = fixtures.samples('caller', 16000);
    const v = createRtpPacketView();
    packets.forEach(({ packet }, i) => {
      expect(parseRtpPacket(packet, v)).toBeNull();
      expect([packet.length, v.payloadType, v.timestamp]).toEqual([
        652,
        ASTERISK_RTP_FORMATS.slin16.payloadType,
        320 * (i + 1),
      ]);
      const pcm = new Int16Array(320);
      slinBeToPcm16Into(
        packet.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength),
        pcm,
        0,
      );
      expect(Array.from(pcm)).toEqual(Array.from(expected.subarray(i * 320, (i + 1) * 320)));
    });
  });

  it('sends the agent voice for spy=out, decoding to the fixture through G.711', async () => {
    const { packets } = await stream('ulaw', ['agent'], 600);
    const expected = fixtures.samples('agent', 8000);
    const { pcm } = decodeUlawPackets(packets.map(({ packet }) => packet));
    const sent = expected.subarray(0, pcm.length);
    // Exact after the same G.711 round trip, and close to the original speech.
    expect(Array.from(pcm)).toEqual(Array.from(sent, (s) => ulawDecode(ulawEncode(s))));
    expect(correlation(pcm, Int16Array.from(sent))).toBeGreaterThan(0.99);
  });

  it('loses, duplicates and reorders packets on demand and counts what it did', async () => {
    // Rates high enough that ~100 packets cannot escape any of the faults (0.8^100 < 1e-9).
    sender.faults = { lossPercent: 20, duplicatePercent: 20, reorderPercent: 20, jitterMs: 0 };
    const { packets } = await stream('ulaw', ['caller'], 2000);
    const [report] = sender.reports();
    expect(report.active).toBe(false);
    expect(report.lost).toBeGreaterThan(0);
    expect(report.duplicated).toBeGreaterThan(0);
    expect(report.reordered).toBeGreaterThan(0);
    expect(packets.length).toBe(report.sent);
    const v = createRtpPacketView();
    const sequences = packets.map(({ packet }) => (parseRtpPacket(packet, v), v.sequence));
    expect(new Set(sequences).size).toBe(sequences.length - report.duplicated);
  });

  it('delays packets by up to the jitter asked for, losing none', async () => {
    sender.faults = { lossPercent: 0, duplicatePercent: 0, reorderPercent: 0, jitterMs: 40 };
    const { packets } = await stream('ulaw', ['caller'], 1500);
    const [report] = sender.reports();
    expect(packets.length).toBe(report.sent);
    const v = createRtpPacketView();
    const first = packets[0].at;
    // How late each packet is against its 20 ms slot, relative to the earliest.
    const lateness = packets.map(({ packet, at }) => {
      parseRtpPacket(packet, v);
      return at - first - ((v.timestamp - 160) / 160) * 20;
    });
    const spread = Math.max(...lateness) - Math.min(...lateness);
    expect(spread).toBeGreaterThan(20);
    // Bounded: 40 ms of jitter, plus what a busy machine adds to the receiving side.
    expect(spread).toBeLessThan(500);
  });

  it('refuses to allocate when the port range is used up', async () => {
    const portMin = await freePort();
    const tiny = new RtpSender(fixtures, { bindAddress: '127.0.0.1', portMin, portMax: portMin });
    await tiny.allocateLocalPort();
    await expect(tiny.allocateLocalPort()).rejects.toMatchObject({ status: 500 });
    tiny.close();
  });
});
