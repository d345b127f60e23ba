/**
 * What the simulator's RTP sender costs per stream: for each level, N externalMedia streams send
 * 20 ms packets for a few seconds and the process's CPU time (every thread) is measured. Three
 * variants on the same sockets: the sender in one thread, the sender sharded over worker threads
 * (SIM_RTP_THREADS), and the baseline, a bare loop that sends a constant packet per stream per
 * 20 ms with no RTP logic, so the sender's overhead is a ratio.
 *
 * The packets go to a port that never reads (bench/udp-sink.py): the kernel counts each one that
 * arrived as a drop of that socket. A receiver reading 200k packets/s would need a core of its
 * own, which a 2-core box does not have beside the sender.
 *
 *   npx nx run asterisk-sim:bench   (streams per level: BENCH_LEVELS=500,1000,2000,4000; 4,000 = 2,000 dual-track calls;
 *                                    BENCH_THREADS=2 for the sharded variant)
 */
import { spawn, ChildProcess } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RtpPlane } from '../src/media/rtp-plane';
import { FixtureLibrary } from '../src/media/fixture-library';
import { RtpSender } from '../src/media/rtp-sender';
import { ShardedRtpSender } from '../src/media/sharded-rtp-sender';
import { benchMachine } from '@asb/testing';

const LEVELS = (process.env['BENCH_LEVELS'] ?? '500,1000,2000,4000').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const THREADS = Number(process.env['BENCH_THREADS'] ?? 2);
const ROOT = join(__dirname, '../../..');

interface Row {
  streams: number;
  variant: string;
  /** Packets the sender sent per second (its own count). */
  packetsPerSecond: number;
  expectedPerSecond: number;
  /** Share of the sent packets that reached the sink's socket (kernel count). */
  arrivedShare: number;
  cpuMsPerSecond: number;
  usPerPacket: number;
  /** The whole machine while the variant ran: user + system + softirq, of all cores. */
  machineBusyPercent: number;
}

/** A port that never reads, and how many datagrams reached it so far. */
function startSink(): Promise<{ child: ChildProcess; port: number; arrived(): number }> {
  const child = spawn('/usr/bin/python3', [join(__dirname, 'udp-sink.py')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (chunk: Buffer) => {
      const port = Number(chunk.toString().trim());
      const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
      resolve({
        child,
        port,
        arrived: () => {
          // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
          const line = readFileSync('/proc/net/udp', 'utf8')
            .split('\n')
            .find((entry) => entry.trim().split(/\s+/)[1] === `0100007F:${hexPort}`);
          if (!line) throw new Error(`sink port ${port} is not in /proc/net/udp`);
          return Number(line.trim().split(/\s+/).pop());
        },
      });
    });
  });
}

function cpuTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  return {
    busy: user + nice + system + irq + softirq,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

interface Variant {
  stop(): void | Promise<void>;
  sent(): Promise<number>;
}

async function measure(
  streams: number,
  running: Variant,
  sink: { arrived(): number },
  variant: string,
): Promise<Row> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const arrivedBefore = sink.arrived();
  const sentBefore = await running.sent();
  const cpuBefore = process.cpuUsage();
  const ticksBefore = cpuTicks();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const ticks = cpuTicks();
  const elapsed = (performance.now() - started) / 1000;
  const sent = (await running.sent()) - sentBefore;
  await running.stop();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const arrived = sink.arrived() - arrivedBefore;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    streams,
    variant,
    packetsPerSecond: Math.round(sent / elapsed),
    expectedPerSecond: streams * 50,
    arrivedShare: Number((arrived / Math.max(1, sent)).toFixed(3)),
    cpuMsPerSecond: Math.round(cpuMs / elapsed),
    usPerPacket: Number(((cpuMs * 1000) / Math.max(1, sent)).toFixed(2)),
    machineBusyPercent: Math.round(
      ((ticks.busy - ticksBefore.busy) / Math.max(1, ticks.total - ticksBefore.total)) * 100,
    ),
  };
}

/** `streams` streams of the simulator's sender, started on freshly allocated ports. */
async function runSender(
  sender: RtpPlane,
  streams: number,
  sinkPort: number,
): Promise<Variant & { ports: number[] }> {
  const ports: number[] = [];
  for (let i = 0; i < streams; i += 1) {
    const local = await sender.allocateLocalPort();
    ports.push(local.port);
    sender.startStream(
      `em-${i}`,
      {
        host: '127.0.0.1',
        port: sinkPort,
        format: 'ulaw',
        localAddress: local.address,
        localPort: local.port,
      },
      [i % 2 ? 'agent' : 'caller'],
    );
  }
  const sent = async () =>
    (await sender.reports()).reduce((sum, r) => sum + (r.active ? r.sent : 0), 0);
  return {
    ports,
    sent,
    stop: async () => {
      for (let i = 0; i < streams; i += 1) sender.stopStream(`em-${i}`);
      await sender.close();
    },
  };
}

async function main(): Promise<void> {
  const fixtures = new FixtureLibrary();
  const sink = await startSink();
  const rows: Row[] = [];
  for (const streams of LEVELS) {
    const portMin = 40000;
    const portMax = 40000 + streams + 100;
    const ports = { bindAddress: '127.0.0.1', portMin, portMax };
    process.stdout.write(`${streams} streams: one thread... `);
    const single = await runSender(new RtpSender(fixtures, ports), streams, sink.port);
    rows.push(await measure(streams, single, sink, 'asterisk-sim RtpSender (1 thread)'));

    process.stdout.write(`${THREADS} threads... `);
    const sharded = new ShardedRtpSender(fixtures.dir, { ...ports, threads: THREADS });
    rows.push(
      await measure(
        streams,
        await runSender(sharded, streams, sink.port),
        sink,
        `asterisk-sim ShardedRtpSender (${THREADS} threads)`,
      ),
    );

    process.stdout.write('bare loop...\n');
    const sockets: Socket[] = await Promise.all(
      single.ports.map(
        (port) =>
          new Promise<Socket>((resolve) => {
            const socket = createSocket('udp4');
            socket.bind(port, '127.0.0.1', () => {
              socket.connect(sink.port, '127.0.0.1', () => resolve(socket));
            });
          }),
      ),
    );
    const packet = Buffer.alloc(172);
    const started = performance.now();
    let rounds = 0;
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - started) / 20) + 1;
      while (rounds < due) {
        for (const socket of sockets) socket.send(packet);
        rounds += 1;
      }
    }, 10);
    rows.push(
      await measure(
        streams,
        { stop: () => clearInterval(timer), sent: async () => rounds * sockets.length },
        sink,
        'baseline: bare send loop (1 thread)',
      ),
    );
    sockets.forEach((socket) => socket.close());
  }
  sink.child.kill();

  const table = rows.map((row) => ({ ...row }));
  console.table(table);
  const ratios = LEVELS.map((streams) => {
    const [single, sharded, base] = rows.filter((r) => r.streams === streams);
    const share = (row: Row) => Number((row.packetsPerSecond / row.expectedPerSecond).toFixed(3));
    return {
      streams,
      cpuPerPacketVsBare: Number((single.usPerPacket / base.usPerPacket).toFixed(2)),
      shardedCpuPerPacketVsBare: Number((sharded.usPerPacket / base.usPerPacket).toFixed(2)),
      oneThreadSentShare: share(single),
      shardedSentShare: share(sharded),
      bareSentShare: share(base),
      oneThreadCores: Number((single.cpuMsPerSecond / 1000).toFixed(2)),
      shardedCores: Number((sharded.cpuMsPerSecond / 1000).toFixed(2)),
    };
  });
  console.table(ratios);
  const machine = benchMachine();
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
