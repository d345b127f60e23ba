/**
 * What the gateway costs per RTP packet. For each level, N u-law streams of 20 ms packets come
 * from a sender process (rtp-load-sender.cjs) into the real gateway (allocations over NATS,
 * validation, reorder window, decode, frames published in batches with headers, stats), then, on
 * the same traffic, into a bare receiver that only counts datagrams on one socket per stream:
 * the floor of Node dgram. The receiver's CPU time per packet is compared for the two. The
 * gateway runs twice, with its audio analysis (speech, clipping, format checks) and without, so
 * the analysis's share of the cost is measured on the same traffic. Every receiver runs in a
 * process of its own (rtp-receive.target.ts), as in production: in one process the variants
 * measured later paid for what earlier ones left behind (compiled code, garbage), which made
 * whichever came first look up to 15 % dearer. The sender and nats-server have their own
 * processes too and share the machine.
 *
 *   npx nx run media-gateway:bench        (BENCH_LEVELS=250,1000  BENCH_SECONDS=5)
 */
import { ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, NatsTestServer, benchMachine } from '@asb/testing';
import type { TargetSample, TargetSpec } from './rtp-receive.target';

const LEVELS = (process.env['BENCH_LEVELS'] ?? '250,1000').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const WARMUP_MS = 1000;
const PORT_BASE = 46000;
const RESULTS = join(__dirname, '../../../bench/results');
const GATEWAY = 'media-gateway';
const GATEWAY_WITHOUT_ANALYSIS = 'media-gateway, audio analysis off';
const BASELINE = 'baseline: count only';

interface Row {
  streams: number;
  receiver: string;
  packetsPerSecond: number;
  /** Share of the sent packets the receiver counted. */
  receivedShare: number;
  /** Share of the sent packets that came back as audio frames on NATS (gateway only). */
  framesShare: number | null;
  meanBatchFrames: number | null;
  cpuMsPerSecond: number;
  usPerPacket: number;
}

class Sender {
  private readonly child: ChildProcess = fork(join(__dirname, 'rtp-load-sender.cjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  private ask<T>(message: object, reply: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (answer: { type: string }) => {
        if (answer.type !== reply) return;
        this.child.off('message', onMessage);
        resolve(answer as T);
      };
      this.child.on('message', onMessage);
      this.child.send(message);
    });
  }

  start(ports: number[], nats?: string): Promise<unknown> {
    return this.ask({ type: 'start', ports, nats }, 'started');
  }

  count(): Promise<{ sent: number; frames: number }> {
    return this.ask({ type: 'count' }, 'count');
  }

  stop(): Promise<unknown> {
    return this.ask({ type: 'stop' }, 'stopped');
  }

  kill(): void {
    this.child.disconnect();
  }
}

/** One receiver in its own process (rtp-receive.target.ts). */
class TargetProcess {
  private readonly child: ChildProcess = fork(join(__dirname, 'rtp-receive.target.ts'), [], {
    execArgv: ['-r', '@swc-node/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  private ask<T>(message: object, reply: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`the benchmark's receiver exited (${code}) before answering`));
      const onMessage = (answer: { type: string }) => {
        if (answer.type !== reply) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(answer as T);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  async start(spec: TargetSpec): Promise<number[]> {
    return (await this.ask<{ ports: number[] }>({ type: 'start', spec }, 'ready')).ports;
  }

  sample(): Promise<TargetSample> {
    return this.ask({ type: 'sample' }, 'sample');
  }

  close(): Promise<unknown> {
    return this.ask({ type: 'close' }, 'closed');
  }
}

async function measure(
  receiver: string,
  spec: TargetSpec,
  sender: Sender,
  nats?: string,
): Promise<Row> {
  const target = new TargetProcess();
  const ports = await target.start(spec);
  await sender.start(ports, nats);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const before = { ...(await sender.count()), ...(await target.sample()) };
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const after = { ...(await target.sample()), ...(await sender.count()) };
  const elapsed = (performance.now() - started) / 1000;
  await sender.stop();
  await target.close();
  const sent = after.sent - before.sent;
  const received = after.received - before.received;
  const cpuMs = (after.cpuMicros - before.cpuMicros) / 1000;
  const batches = after.batchCount - before.batchCount;
  return {
    streams: spec.streams,
    receiver,
    packetsPerSecond: Math.round(received / elapsed),
    receivedShare: Number((received / Math.max(1, sent)).toFixed(3)),
    framesShare: nats
      ? Number(((after.frames - before.frames) / Math.max(1, sent)).toFixed(3))
      : null,
    meanBatchFrames:
      spec.kind === 'gateway'
        ? Number(((after.batchSum - before.batchSum) / Math.max(1, batches)).toFixed(1))
        : null,
    cpuMsPerSecond: Math.round(cpuMs / elapsed),
    usPerPacket: Number(((cpuMs * 1000) / Math.max(1, received)).toFixed(2)),
  };
}

async function main(): Promise<void> {
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const sender = new Sender();
  const rows: Row[] = [];
  const spec = (streams: number, kind: TargetSpec['kind'], audioAnalysis = true): TargetSpec => ({
    kind,
    streams,
    portBase: PORT_BASE,
    natsUrl: nats.url,
    audioAnalysis,
  });
  for (const streams of LEVELS) {
    // On, off, off, on: drift of the machine's load over the run falls on both alike.
    for (const analysis of [true, false, false, true]) {
      rows.push(
        await measure(
          analysis ? GATEWAY : GATEWAY_WITHOUT_ANALYSIS,
          spec(streams, 'gateway', analysis),
          sender,
          nats.url,
        ),
      );
    }
    rows.push(await measure(BASELINE, spec(streams, 'counting'), sender));
  }
  sender.kill();
  await nats.dispose();

  console.table(rows);
  const ratios = LEVELS.map((streams) => {
    const ofLevel = rows.filter((row) => row.streams === streams);
    const mean = (receiver: string) => {
      const picked = ofLevel.filter((row) => row.receiver === receiver);
      return picked.reduce((sum, row) => sum + row.usPerPacket, 0) / picked.length;
    };
    const gateway = mean(GATEWAY);
    const floor = mean(BASELINE);
    return {
      streams,
      usPerPacketOverFloor: Number((gateway - floor).toFixed(2)),
      cpuPerPacketRatio: Number((gateway / floor).toFixed(2)),
      /** The budget: at most 1.10 (+10 % CPU per packet). */
      analysisCostRatio: Number((gateway / mean(GATEWAY_WITHOUT_ANALYSIS)).toFixed(3)),
    };
  });
  console.table(ratios);
  const machine = benchMachine();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'rtp-receive.json'),
    JSON.stringify(
      {
        benchmark: 'media-gateway CPU per received RTP packet',
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
    `results written to bench/results/rtp-receive.json (${machine.cores} x ${machine.cpu})`,
  );
}

void main();
