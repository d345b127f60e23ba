import { createSocket, Socket } from 'node:dgram';
import { ulawDecode, ulawEncode } from '@asb/rtp';
import { eventually, freePort, sleep } from '@asb/testing';
import { decodeUlawPackets } from './__tests__/ulaw-packets';
import { FixtureLibrary } from './fixture-library';
import { ShardedRtpSender } from './sharded-rtp-sender';

describe('ShardedRtpSender', () => {
  const fixtures = new FixtureLibrary();
  let sender: ShardedRtpSender;
  let receiver: Socket;
  let receiverPort: number;
  let portMin: number;
  const received = new Map<number, Buffer[]>();

  beforeEach(async () => {
    portMin = await freePort();
    sender = new ShardedRtpSender(fixtures.dir, {
      bindAddress: '127.0.0.1',
      portMin,
      portMax: portMin + 19,
      threads: 2,
    });
    received.clear();
    receiver = createSocket('udp4');
    receiver.on('message', (packet, from) => {
      const list = received.get(from.port) ?? [];
      list.push(packet);
      received.set(from.port, list);
    });
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    receiverPort = receiver.address().port;
  });

  afterEach(async () => {
    await sender.close();
    receiver.close();
  });

  async function startStreams(count: number): Promise<number[]> {
    const ports: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const local = await sender.allocateLocalPort();
      ports.push(local.port);
      sender.startStream(
        `em-${i}`,
        {
          host: '127.0.0.1',
          port: receiverPort,
          format: 'ulaw',
          localAddress: local.address,
          localPort: local.port,
        },
        ['agent'],
      );
    }
    return ports;
  }

  it('sends every stream from its own port, from both threads, with the fixture audio', async () => {
    const ports = await startStreams(4);
    // Two from each thread's half of the port range.
    expect(ports.filter((port) => port < portMin + 10)).toHaveLength(2);
    expect(ports.filter((port) => port >= portMin + 10)).toHaveLength(2);
    await sleep(600);
    for (let i = 0; i < 4; i += 1) sender.stopStream(`em-${i}`);
    const reports = await sender.reports();
    await eventually(
      () => reports.every((report) => (received.get(report.localPort)?.length ?? 0) >= report.sent),
      10_000,
      'every packet sent',
    );

    expect(reports).toHaveLength(4);
    expect(reports.every((report) => !report.active)).toBe(true);
    expect(sender.activeStreams).toBe(0);
    const expected = fixtures.samples('agent', 8000);
    for (const report of reports) {
      const packets = received.get(report.localPort) ?? [];
      // Counted by the thread that sent them, when it handled the stop.
      expect(packets).toHaveLength(report.sent);
      expect(packets.length).toBeGreaterThanOrEqual(25);
      const { pcm, timestamps } = decodeUlawPackets(packets);
      expect(timestamps).toEqual(packets.map((_packet, i) => 160 * (i + 1)));
      const sent = expected.subarray(0, pcm.length);
      expect(Array.from(pcm)).toEqual(Array.from(sent, (s) => ulawDecode(ulawEncode(s))));
    }
  });

  it('applies faults on every thread', async () => {
    sender.faults = { lossPercent: 100, duplicatePercent: 0, reorderPercent: 0, jitterMs: 0 };
    expect(sender.faults.lossPercent).toBe(100);
    await startStreams(2);
    let reports = await sender.reports();
    await eventually(
      async () => (reports = await sender.reports()).every((report) => report.lost > 5),
      10_000,
      'both threads to lose packets',
    );
    expect(reports.map((report) => report.active)).toEqual([true, true]);
    expect(reports.every((report) => report.sent === 0)).toBe(true);
    expect(received.size).toBe(0);
  });

  it('passes to the next thread when one has no port left, and refuses with 500 when none has', async () => {
    const tiny = new ShardedRtpSender(fixtures.dir, {
      bindAddress: '127.0.0.1',
      portMin: portMin + 30,
      portMax: portMin + 32,
      threads: 2,
    });
    const ports = [];
    for (let i = 0; i < 3; i += 1) ports.push((await tiny.allocateLocalPort()).port);
    expect(ports.sort()).toEqual([portMin + 30, portMin + 31, portMin + 32]);
    await expect(tiny.allocateLocalPort()).rejects.toMatchObject({ status: 500 });
    tiny.releaseLocalPort(portMin + 31);
    await expect(tiny.allocateLocalPort()).resolves.toMatchObject({ port: portMin + 31 });
    await tiny.close();
  });

  it('refuses a port range smaller than its thread count', () => {
    expect(
      () =>
        new ShardedRtpSender(fixtures.dir, {
          bindAddress: '127.0.0.1',
          portMin: 30000,
          portMax: 30000,
          threads: 2,
        }),
    ).toThrow(/cannot split RTP ports 30000-30000 over 2 threads/);
  });
});
