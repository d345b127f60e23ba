import { readFile } from 'node:fs/promises';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { MetricsRegistry } from '@asb/observability';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { KernelDropTally, parseUdpDrops, PROC_NET_UDP_FILES } from './udp-kernel-drops';

/** Warnings about kernel drops come at most this often; the counter has every one. */
const WARN_EVERY_MS = 60_000;

/**
 * Counts the datagrams the kernel dropped on the gateway's RTP sockets because their receive
 * buffers were full (the gateway fell behind): audio lost before the process could see it. Read
 * from /proc/net/udp every GATEWAY_KERNEL_DROPS_INTERVAL_MS, off the per-packet path.
 */
@Injectable()
export class UdpKernelDropsSampler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UdpKernelDropsSampler.name);
  private readonly tally = new KernelDropTally();
  private readonly drops;
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private unwarned = 0;
  private warnedAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: MediaGatewayConfig,
    metrics: MetricsRegistry,
  ) {
    this.drops = metrics.counter({
      name: 'media_gateway_udp_kernel_drops_total',
      help: "Datagrams the kernel dropped on the gateway's RTP sockets (receive buffer full)",
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sampling ??= this.sample().finally(() => (this.sampling = undefined));
    }, this.config.GATEWAY_KERNEL_DROPS_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  private async sample(): Promise<void> {
    const files = await Promise.all(
      PROC_NET_UDP_FILES.map((file) => readFile(file, 'utf8').catch(() => '')),
    );
    const text = files.join('\n');
    if (text.trim() === '') {
      this.logger.log('no /proc/net/udp here: kernel drops of the RTP sockets are not counted');
      clearInterval(this.timer);
      return;
    }
    const { GATEWAY_PORT_MIN: min, GATEWAY_PORT_MAX: max } = this.config;
    const added = this.tally.update(parseUdpDrops(text, min, max));
    if (added === 0) return;
    this.drops.inc(added);
    this.unwarned += added;
    if (Date.now() - this.warnedAt < WARN_EVERY_MS) return;
    this.logger.warn(
      `the kernel dropped ${this.unwarned} RTP packets because the gateway fell behind (full receive buffers): give it more CPU, spread the streams over more gateways, or raise GATEWAY_UDP_RECV_BUFFER_BYTES`,
    );
    this.unwarned = 0;
    this.warnedAt = Date.now();
  }
}
