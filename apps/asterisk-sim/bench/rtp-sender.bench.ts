/**
 * What the simulator's RTP sender costs per stream: for each level, N externalMedia streams send
 * 20 ms packets to a counting receiver in another process for a few seconds, and the sender's
 * own CPU time is measured. The baseline, in the same run on the same sockets, is a bare loop that
 * sends a constant packet per stream per 20 ms with no RTP logic: the sender's overhead is the ratio.
 *
 *   npx nx run asterisk-sim:bench            (streams per level: BENCH_LEVELS=500,1000,2000,4000; 4,000 = 2,000 dual-track calls)
 */
import { fork, ChildProcess } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { FixtureLibrary } from '../src/media/fixture-library';
import { RtpSender } from '../src/media/rtp-sender';

const LEVELS = (process.env['BENCH_LEVELS'] ?? '500,1000,2000,4000').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const ROOT = join(__dirname, '../../..');

interface Row {
  streams: number;
  variant: string;
  /** Packets the sender sent per second (its own count). */
  packetsPerSecond: number;
  expectedPerSecond: number;
  /** Share of the sent packets the receiver counted (a single Node socket receiving; it may be the limit). */
  receivedShare: number;
  cpuMsPerSecond: number;
  usPerPacket: number;
}

/** A receiver in its own process, so its CPU is not counted as the sender's. */
function startReceiver(): Promise<{ child: ChildProcess; port: number; count(): Promise<number> }> {
  const child = fork(join(__dirname, 'counting-receiver.cjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    child.once('message', (message: { port: number }) =>
      resolve({
        child,
        port: message.port,
        count: () =>
          new Promise((done) => {
            child.once('message', (reply: { count: number }) => done(reply.count));
            child.send('count');
          }),
      }),
    );
  });
}

interface Variant {
  stop(): void;
  sent(): number;
}

async function measure(
  streams: number,
  run: () => Promise<Variant>,
  receiver: { count(): Promise<number> },
  variant: string,
): Promise<Row> {
  const running = await run();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const countBefore = await receiver.count();
  const sentBefore = running.sent();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - started) / 1000;
  const sent = running.sent() - sentBefore;
  running.stop();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const received = (await receiver.count()) - countBefore;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    streams,
    variant,
    packetsPerSecond: Math.round(sent / elapsed),
    expectedPerSecond: streams * 50,
    receivedShare: Number((received / Math.max(1, sent)).toFixed(3)),
    cpuMsPerSecond: Math.round(cpuMs / elapsed),
    usPerPacket: Number(((cpuMs * 1000) / Math.max(1, sent)).toFixed(2)),
  };
}

async function main(): Promise<void> {
  const fixtures = new FixtureLibrary();
  const receiver = await startReceiver();
  const rows: Row[] = [];
  for (const streams of LEVELS) {
    const sender = new RtpSender(fixtures, {
      bindAddress: '127.0.0.1',
      portMin: 40000,
      portMax: 40000 + streams + 100,
    });
    const locals: Array<{ address: string; port: number }> = [];
    for (let i = 0; i < streams; i += 1) locals.push(await sender.allocateLocalPort());

    rows.push(
      await measure(
        streams,
        async () => {
          locals.forEach((local, i) =>
            sender.startStream(
              `em-${i}`,
              {
                host: '127.0.0.1',
                port: receiver.port,
                format: 'ulaw',
                localAddress: local.address,
                localPort: local.port,
              },
              [i % 2 ? 'agent' : 'caller'],
            ),
          );
          return {
            stop: () => locals.forEach((_l, i) => sender.stopStream(`em-${i}`)),
            sent: () => sender.reports().reduce((sum, r) => sum + (r.active ? r.sent : 0), 0),
          };
        },
        receiver,
        'asterisk-sim RtpSender',
      ),
    );
    sender.close();

    const sockets: Socket[] = await Promise.all(
      locals.map(
        (local) =>
          new Promise<Socket>((resolve) => {
            const socket = createSocket('udp4');
            socket.bind(local.port, '127.0.0.1', () => {
              socket.connect(receiver.port, '127.0.0.1', () => resolve(socket));
            });
          }),
      ),
    );
    const packet = Buffer.alloc(172);
    rows.push(
      await measure(
        streams,
        async () => {
          const started = performance.now();
          let sent = 0;
          const timer = setInterval(() => {
            const due = Math.floor((performance.now() - started) / 20) + 1;
            while (sent < due) {
              for (const socket of sockets) socket.send(packet);
              sent += 1;
            }
          }, 10);
          return { stop: () => clearInterval(timer), sent: () => sent * sockets.length };
        },
        receiver,
        'baseline: bare send loop',
      ),
    );
    sockets.forEach((socket) => socket.close());
  }
  receiver.child.kill();

  const table = rows.map((row) => ({ ...row }));
  console.table(table);
  const ratios = LEVELS.map((streams) => {
    const [sim, base] = rows.filter((r) => r.streams === streams);
    return {
      streams,
      cpuPerPacketRatio: Number((sim.usPerPacket / base.usPerPacket).toFixed(2)),
      simSentShare: Number((sim.packetsPerSecond / sim.expectedPerSecond).toFixed(3)),
      simCoreShare: Number((sim.cpuMsPerSecond / 1000).toFixed(2)),
    };
  });
  console.table(ratios);
  const machine = {
    hostname: hostname(),
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'asterisk-sim-rtp.json'),
    JSON.stringify(
      {
        benchmark: 'asterisk-sim RTP sender',
        date: new Date().toISOString(),
        machine,
        seconds: SECONDS,
        rows,
        ratios,
      },
      null,
      2,
    ),
  );
  console.log(
    `results written to bench/results/asterisk-sim-rtp.json (${machine.cores} x ${machine.cpu})`,
  );
}

void main();
