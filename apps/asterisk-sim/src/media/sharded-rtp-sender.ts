import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { AriError } from '../pbx/ari-error';
import type { ExternalMediaEndpoint } from '../pbx/sim-channel';
import type { RtpPlane } from './rtp-plane';
import { NO_RTP_FAULTS, RtpFaults, RtpSenderOptions, StreamReport } from './rtp-sender';
import type { RtpShardCommand, RtpShardData, RtpShardReply } from './rtp-shard-protocol';

type ShardRequest = { type: 'allocate' } | { type: 'reports' } | { type: 'close' };

/** The worker's file: beside the bundle in dist, or its TypeScript source when run from source. */
function startWorker(data: RtpShardData): Worker {
  const bundled = join(__dirname, 'rtp-sender-worker.js');
  if (existsSync(bundled)) return new Worker(bundled, { workerData: data });
  const source = join(__dirname, 'rtp-sender.worker.ts');
  return new Worker(`require('@swc-node/register'); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData: data,
    env: {
      ...process.env,
      SWC_NODE_PROJECT: process.env['SWC_NODE_PROJECT'] ?? workspaceTsconfig(__dirname),
    },
  });
}

function workspaceTsconfig(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.base.json'))) return join(dir, 'tsconfig.base.json');
  }
  throw new Error(`no tsconfig.base.json above ${from}`);
}

/** One sender thread, its own RtpSender and sockets, and its own slice of the port range. */
class RtpSenderShard {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private nextId = 0;
  private failure?: Error;

  constructor(
    readonly index: number,
    data: RtpShardData,
    logger: Logger,
  ) {
    this.worker = startWorker(data);
    this.worker.on('message', (reply: RtpShardReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiting) return;
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new AriError(reply.status, reply.message));
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', (error) => {
      logger.error(`RTP sender thread ${index} failed; its streams stopped: ${error.stack}`);
      fail(error);
    });
    this.worker.on('exit', (code) =>
      fail(new Error(`RTP sender thread ${index} exited (${code})`)),
    );
  }

  post(command: RtpShardCommand): void {
    if (!this.failure) this.worker.postMessage(command);
  }

  request<T>(request: ShardRequest): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  async close(): Promise<void> {
    await this.request({ type: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}

/**
 * The RTP of every externalMedia channel, sent from several worker threads: each thread is an
 * RtpSender with its own sockets and slice of the port range, so the sending (whose cost is the
 * kernel's per-datagram work, ~5 us a packet here) spreads over cores. A stream lives on the
 * thread whose port it sends from; faults go to every thread.
 */
export class ShardedRtpSender implements RtpPlane {
  private readonly logger = new Logger(ShardedRtpSender.name);
  private readonly shards: RtpSenderShard[];
  private readonly shardOfPort = new Map<number, RtpSenderShard>();
  private readonly shardOfStream = new Map<string, RtpSenderShard>();
  private nextShard = 0;
  private currentFaults: RtpFaults = { ...NO_RTP_FAULTS };

  constructor(fixturesDir: string, options: RtpSenderOptions & { threads: number }) {
    const { threads, ...senderOptions } = options;
    const span = options.portMax - options.portMin + 1;
    if (threads < 2 || span < threads) {
      throw new Error(
        `cannot split RTP ports ${options.portMin}-${options.portMax} over ${threads} threads (SIM_RTP_THREADS)`,
      );
    }
    const slice = Math.floor(span / threads);
    this.shards = Array.from({ length: threads }, (_unused, index) => {
      const portMin = options.portMin + index * slice;
      const portMax = index === threads - 1 ? options.portMax : portMin + slice - 1;
      return new RtpSenderShard(
        index,
        { fixturesDir, options: { ...senderOptions, portMin, portMax } },
        this.logger,
      );
    });
  }

  /** From the threads in turn; a thread whose slice is full passes to the next. */
  async allocateLocalPort(): Promise<{ address: string; port: number }> {
    let lastError: unknown;
    for (let tries = 0; tries < this.shards.length; tries += 1) {
      const shard = this.shards[this.nextShard];
      this.nextShard = (this.nextShard + 1) % this.shards.length;
      try {
        const local = await shard.request<{ address: string; port: number }>({ type: 'allocate' });
        this.shardOfPort.set(local.port, shard);
        return local;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof AriError ? lastError : AriError.internal();
  }

  releaseLocalPort(port: number): void {
    this.shardOfPort.get(port)?.post({ type: 'release', port });
    this.shardOfPort.delete(port);
  }

  startStream(channelId: string, endpoint: ExternalMediaEndpoint, voices: string[]): void {
    const shard = this.shardOfPort.get(endpoint.localPort);
    if (!shard) return;
    this.shardOfStream.set(channelId, shard);
    shard.post({ type: 'start', channelId, endpoint, voices });
  }

  stopStream(channelId: string): void {
    this.shardOfStream.get(channelId)?.post({ type: 'stop', channelId });
    this.shardOfStream.delete(channelId);
  }

  get faults(): RtpFaults {
    return this.currentFaults;
  }

  set faults(faults: RtpFaults) {
    this.currentFaults = { ...faults };
    for (const shard of this.shards) shard.post({ type: 'faults', faults: this.currentFaults });
  }

  get activeStreams(): number {
    return this.shardOfStream.size;
  }

  /** Asked of every thread after the commands already sent to it, so a stopped stream shows as finished. */
  async reports(): Promise<StreamReport[]> {
    const all = (
      await Promise.all(
        // A failed thread (logged when it failed) has nothing left to report.
        this.shards.map((shard) =>
          shard.request<StreamReport[]>({ type: 'reports' }).catch((): StreamReport[] => []),
        ),
      )
    ).flat();
    return [...all.filter((report) => report.active), ...all.filter((report) => !report.active)];
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.close()));
    this.shardOfPort.clear();
    this.shardOfStream.clear();
  }
}
