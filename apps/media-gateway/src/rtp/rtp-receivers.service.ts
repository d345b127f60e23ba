import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { MetricsRegistry } from '@asb/observability';
import { FrameDecoderFactory } from '../codecs/frame-decoder.factory';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { FramePublisher } from '../frames/frame-publisher';
import { RecentAudioService } from '../recent-audio/recent-audio.service';
import { StatsPublisher } from '../stats/stats-publisher';
import { RTP_PACKET_REJECTION_SLOT, RTP_PACKET_REJECTIONS } from './rtp-packet-rejection';
import { RtpReceiver, RtpStreamSpec } from './rtp-receiver';
import { RtpStreamCounters } from './rtp-stream-counters';
import { UdpSocketFactory } from './udp-socket.factory';

/** How often reorder windows are checked for packets held too long (100 ms with the default). */
const STALE_CHECK_MS = 50;

/**
 * Opens and closes the RTP receivers of this gateway, and keeps what they share: the stale-hold
 * check of their reorder windows, and the Prometheus counters, which are summed from each
 * stream's plain counters when scraped rather than bumped once per packet.
 */
@Injectable()
export class RtpReceiversService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly live = new Set<RtpReceiver>();
  /** Totals of closed receivers, so counters never go down. */
  private readonly retired = new RtpStreamCounters();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: MediaGatewayConfig,
    private readonly sockets: UdpSocketFactory,
    private readonly decoders: FrameDecoderFactory,
    private readonly frames: FramePublisher,
    private readonly stats: StatsPublisher,
    private readonly recentAudio: RecentAudioService,
    metrics: MetricsRegistry,
  ) {
    const total = () => {
      const sum = new RtpStreamCounters();
      sum.add(this.retired);
      for (const receiver of this.live) sum.add(receiver.counters);
      return sum;
    };
    const counterOf = (name: string, help: string, read: (sum: RtpStreamCounters) => number) =>
      metrics.counter({
        name,
        help,
        collect() {
          this.reset();
          this.inc(read(total()));
        },
      });
    counterOf(
      'media_gateway_rtp_packets_received_total',
      'UDP datagrams received on allocated ports, valid or not',
      (sum) => sum.datagrams,
    );
    counterOf(
      'media_gateway_rtp_packets_lost_total',
      'RTP packets whose place was given up before they came',
      (sum) => sum.lost,
    );
    counterOf(
      'media_gateway_rtp_packets_late_total',
      'RTP packets that came after their place was given up',
      (sum) => sum.late,
    );
    counterOf(
      'media_gateway_rtp_packets_duplicate_total',
      'RTP packets received twice (the copies)',
      (sum) => sum.duplicates,
    );
    counterOf(
      'media_gateway_rtp_packets_reordered_total',
      'RTP packets put back in order by the reorder window',
      (sum) => sum.reordered,
    );
    counterOf(
      'media_gateway_rtp_senders_relatched_total',
      'Times a stream was taken over by another sender after the latched one fell silent',
      (sum) => sum.relatched,
    );
    metrics.counter<'reason'>({
      name: 'media_gateway_rtp_packets_rejected_total',
      help: 'Datagrams dropped on allocated ports, by reason',
      labelNames: ['reason'],
      collect() {
        const sum = total();
        this.reset();
        for (const reason of RTP_PACKET_REJECTIONS) {
          this.inc({ reason }, sum.rejectedBySlot[RTP_PACKET_REJECTION_SLOT[reason]]);
        }
      },
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const receiver of this.live) receiver.releaseIfStale(now);
    }, STALE_CHECK_MS);
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Binds `port` and starts receiving; throws UdpBindFailed if the port cannot be bound. */
  async open(port: number, spec: RtpStreamSpec): Promise<RtpReceiver> {
    const socket = await this.sockets.bind(port);
    const receiver = new RtpReceiver(
      port,
      spec,
      socket,
      this.decoders.create(spec.codec, spec.resampleTo16k),
      this.frames,
      {
        window: this.config.GATEWAY_REORDER_WINDOW,
        maxHoldMs: this.config.GATEWAY_REORDER_MAX_HOLD_MS,
      },
      this.config.GATEWAY_RELATCH_AFTER_MS,
      this.config.GATEWAY_AUDIO_ANALYSIS,
      this.recentAudio,
    );
    this.live.add(receiver);
    this.stats.add(receiver);
    return receiver;
  }

  async close(receiver: RtpReceiver): Promise<void> {
    if (!this.live.has(receiver)) return;
    // close() flushes and stops receiving at once, so the counters are final here; moving them
    // to `retired` in the same turn keeps a scrape from ever seeing a total go down.
    const closed = receiver.close();
    this.live.delete(receiver);
    this.retired.add(receiver.counters);
    this.stats.remove(receiver);
    await closed;
  }
}
