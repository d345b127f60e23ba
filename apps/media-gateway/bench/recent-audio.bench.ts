/**
 * What holding recent audio for late joiners costs the gateway at 2,000 calls (4,000 tracks of
 * 8 kHz u-law in 20 ms frames), for the default bound (10 s) and the largest (30 s):
 * - memory: 4,000 rings created and filled to their bound, with the heap and RSS of a process
 *   before and after (after a full GC), per track and in total;
 * - CPU per frame: the gateway's frame path (decode into the frame memory, audio analysis, frame
 *   queued and published on a real nats-server in batches) for 4,000 tracks, with the ring and
 *   without it, alternated (without, with, with, without) in one process so that drift of the
 *   machine's load falls on both alike; the ratio is with / without.
 * Each bound is measured in processes of its own (this file, forked), so one measurement's memory
 * and garbage never weigh on another.
 *
 *   npm run bench:recent-audio        (BENCH_TRACKS=4000  BENCH_ROUNDS=40)
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AudioTrack } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { benchMachine, freePort, NatsTestServer } from '@asb/testing';
import { G711FrameDecoder } from '../src/codecs/g711-frame-decoder';
import { FramePublisher } from '../src/frames/frame-publisher';
import { TrackFrameOutput } from '../src/frames/track-frame-output';
import { RecentAudioRing, RecentAudioTrack } from '../src/recent-audio/recent-audio-ring';
import type { RecentAudioRings } from '../src/recent-audio/recent-audio.service';

const TRACKS = Number(process.env['BENCH_TRACKS'] ?? 4000);
/** Batches of one frame per track measured per variant. */
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 40);
const WARMUP_ROUNDS = 10;
const BOUNDS = [10, 30];
const RESULTS = join(__dirname, '../../../bench/results');
const MIB = 1024 * 1024;
const FRAME_SAMPLES = 160;
const RTP_HEADER_BYTES = 12;

interface MemoryResult {
  bound: number;
  tracks: number;
  /** What the rings allocate, by their own count. */
  ringMiB: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Typed-array memory outside the JS heap, where the PCM lives. */
  arrayBuffersMiB: number;
  rssKiBPerTrack: number;
}

interface CpuResult {
  bound: number;
  tracks: number;
  framesPerVariant: number;
  usPerFrameWithout: number;
  usPerFrameWith: number;
  ratio: number;
  framesDropped: number;
}

function track(index: number): RecentAudioTrack {
  return {
    callId: `bench-${index >> 1}`,
    track: (index & 1 ? 'agent' : 'caller') as AudioTrack,
    codec: 'ulaw',
    sampleRate: 8000,
    frameMs: 20,
    runId: `run-${index}`,
  };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

/** 4,000 rings filled to their bound, and what that took from the process. */
function measureMemory(bound: number): MemoryResult {
  collectGarbage();
  const before = process.memoryUsage();
  const rings: RecentAudioRing[] = [];
  for (let i = 0; i < TRACKS; i += 1) rings.push(new RecentAudioRing(track(i), bound));
  const payload = Buffer.alloc(FRAME_SAMPLES * 2, 7);
  const now = Date.now();
  for (const ring of rings) {
    for (let k = 0; k < ring.capacity; k += 1)
      ring.push(payload, k, k * FRAME_SAMPLES, now + k * 20);
  }
  collectGarbage();
  const after = process.memoryUsage();
  const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
  return {
    bound,
    tracks: TRACKS,
    ringMiB: mib(rings.reduce((sum, ring) => sum + ring.bytes, 0)),
    rssMiB: mib(after.rss - before.rss),
    heapUsedMiB: mib(after.heapUsed - before.heapUsed),
    arrayBuffersMiB: mib(after.arrayBuffers - before.arrayBuffers),
    rssKiBPerTrack: Math.round((after.rss - before.rss) / 1024 / TRACKS),
  };
}

/** The gateway's frame path for every track, with rings of `bound` seconds and without. */
async function measureCpu(bound: number, natsUrl: string): Promise<CpuResult> {
  const nats = new NatsClient({ servers: natsUrl });
  nats.onModuleInit();
  await nats.connected;
  const metrics = new MetricsRegistry('bench', false);
  const publisher = new FramePublisher(nats, metrics, { GATEWAY_MAX_PUBLISH_LAG_MS: 250 });
  const rings: RecentAudioRings = {
    open: (spec) => new RecentAudioRing(spec, bound),
    close: () => undefined,
  };
  const decoder = new G711FrameDecoder('ulaw');
  const outputs = (withRing: boolean) =>
    Array.from({ length: TRACKS }, (_, i) => {
      const spec = track(i);
      return new TrackFrameOutput(
        publisher,
        { ...spec, sourceRate: 8000 },
        true,
        withRing ? rings : undefined,
      );
    });
  const variants = { without: outputs(false), with: outputs(true) };
  const packet = Buffer.alloc(RTP_HEADER_BYTES + FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i += 1) packet[RTP_HEADER_BYTES + i] = (i * 37) & 0xff;
  const places = { without: 0, with: 0 };

  /** One frame on every track, then waits until they are published and NATS has them. */
  async function round(variant: 'without' | 'with'): Promise<void> {
    const place = places[variant]++;
    const capturedAt = Date.now();
    for (const output of variants[variant]) {
      const offset = output.reserve(FRAME_SAMPLES);
      decoder.decode(packet, RTP_HEADER_BYTES, output.samples, offset);
      output.commit(offset, FRAME_SAMPLES, place, capturedAt);
    }
    await new Promise((resolve) => setImmediate(resolve));
    await nats.connection.flush();
  }

  async function usPerFrame(variant: 'without' | 'with'): Promise<number> {
    for (let i = 0; i < WARMUP_ROUNDS; i += 1) await round(variant);
    const start = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i += 1) await round(variant);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / (ROUNDS * TRACKS);
  }

  const measured = { without: [] as number[], with: [] as number[] };
  for (const variant of ['without', 'with', 'with', 'without'] as const) {
    measured[variant].push(await usPerFrame(variant));
  }
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const dropped = metrics.registry.getSingleMetric('media_gateway_frames_dropped_total');
  const framesDropped = ((await dropped?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);
  await nats.onApplicationShutdown();
  const without = mean(measured.without);
  const withRing = mean(measured.with);
  return {
    bound,
    tracks: TRACKS,
    framesPerVariant: 2 * ROUNDS * TRACKS,
    usPerFrameWithout: Number(without.toFixed(3)),
    usPerFrameWith: Number(withRing.toFixed(3)),
    ratio: Number((withRing / without).toFixed(3)),
    framesDropped,
  };
}

/** Runs one measurement in a fresh process (this file, with --expose-gc). */
function inChild<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, args, {
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (result) => resolve(result as T));
    child.once('exit', (code) => code === 0 || reject(new Error(`measurement exited ${code}`)));
  });
}

async function child(mode: string, bound: number, natsUrl: string): Promise<void> {
  Logger.overrideLogger(false);
  const result = mode === 'memory' ? measureMemory(bound) : await measureCpu(bound, natsUrl);
  process.send?.(result, () => process.exit(0));
}

async function main(): Promise<void> {
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const memory: MemoryResult[] = [];
  const cpu: CpuResult[] = [];
  try {
    for (const bound of BOUNDS) {
      memory.push(await inChild<MemoryResult>(['memory', String(bound), nats.url]));
      cpu.push(await inChild<CpuResult>(['cpu', String(bound), nats.url]));
    }
  } finally {
    await nats.dispose();
  }
  console.table(memory);
  console.table(cpu);
  const machine = benchMachine();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'recent-audio.json'),
    JSON.stringify(
      {
        benchmark: 'media-gateway recent audio: memory and CPU per frame at 2,000 calls',
        date: new Date().toISOString(),
        machine,
        tracks: TRACKS,
        rounds: ROUNDS,
        memory,
        cpu,
      },
      null,
      2,
    ),
  );
  console.log(
    `results written to bench/results/recent-audio.json (${machine.cores} x ${machine.cpu})`,
  );
}

const [mode, bound, natsUrl] = process.argv.slice(2);
if (mode) void child(mode, Number(bound), natsUrl);
else void main();
