import { createSocket, Socket } from 'node:dgram';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { MetricsRegistry } from '@asb/observability';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { UdpBindFailed } from './udp-bind-failed.error';

/** The one place that opens UDP sockets: bound, sized, counted, and never fatal on error. */
@Injectable()
export class UdpSocketFactory {
  private readonly logger = new Logger(UdpSocketFactory.name);
  private readonly openSockets;
  private bufferChecked = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: MediaGatewayConfig,
    metrics: MetricsRegistry,
  ) {
    this.openSockets = metrics.gauge({
      name: 'media_gateway_udp_sockets',
      help: 'Open UDP sockets (one per allocation)',
    });
  }

  bind(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      const onBindError = (error: NodeJS.ErrnoException) => {
        socket.close();
        reject(new UdpBindFailed(port, error.code, error.message));
      };
      socket.once('error', onBindError);
      socket.bind(port, this.config.GATEWAY_BIND_HOST, () => {
        socket.off('error', onBindError);
        // After bind, errors are per datagram (e.g. ICMP unreachable reported on a later read):
        // a stream must survive them.
        socket.on('error', (error) => this.logger.warn(`UDP port ${port}: ${error.message}`));
        this.sizeReceiveBuffer(socket);
        this.openSockets.inc();
        socket.once('close', () => this.openSockets.dec());
        resolve(socket);
      });
    });
  }

  /**
   * Sized to absorb event-loop pauses (GC, bursts) without dropping datagrams, and no more: what
   * it holds beyond that is audio that arrives late. Linux caps it at net.core.rmem_max without
   * an error, so the first socket checks what it really got.
   */
  private sizeReceiveBuffer(socket: Socket): void {
    const wanted = this.config.GATEWAY_UDP_RECV_BUFFER_BYTES;
    try {
      socket.setRecvBufferSize(wanted);
    } catch (error) {
      if (!this.bufferChecked) {
        this.logger.warn(`cannot set the UDP receive buffer: ${(error as Error).message}`);
      }
      this.bufferChecked = true;
      return;
    }
    if (this.bufferChecked) return;
    this.bufferChecked = true;
    // Linux reports twice the size it was set to (room for the kernel's bookkeeping).
    const granted = socket.getRecvBufferSize() / (process.platform === 'linux' ? 2 : 1);
    if (granted < wanted) {
      this.logger.warn(
        `UDP receive buffers are capped at ${granted} bytes, not the ${wanted} of GATEWAY_UDP_RECV_BUFFER_BYTES: raise net.core.rmem_max`,
      );
    }
  }
}
