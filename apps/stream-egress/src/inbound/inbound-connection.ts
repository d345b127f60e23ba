import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { WireMessage } from '../formats/egress-format';
import type { EgressTransport, TransportListener } from '../streams/egress-transport';
import type { SocketBatcher } from '../streams/socket-batcher';
import { HEARTBEAT_INTERVAL_MS } from '../outbound/backend-connection';

/**
 * A WebSocket an AI client opened to /v1/streams. It is never reopened by us: when the client
 * leaves, its stream ends. Pings keep idle connections (a client waiting for the next call)
 * alive through proxies, and find clients that vanished.
 */
export class InboundConnection implements EgressTransport {
  private listener?: TransportListener;
  private readonly heartbeat: NodeJS.Timeout;
  private awaitingPong = false;
  private closed?: () => void;
  private readonly gone: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly batcher: SocketBatcher,
    onGone: () => void,
  ) {
    this.gone = new Promise((resolve) => {
      ws.on('close', () => {
        clearInterval(this.heartbeat);
        onGone();
        this.closed?.();
        this.listener?.ended('the client closed the connection');
        resolve();
      });
    });
    ws.on('error', () => undefined);
    ws.on('pong', () => {
      this.awaitingPong = false;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.listener?.received(data, isBinary));
    this.heartbeat = setInterval(() => {
      if (this.awaitingPong) {
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
    }, HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  /** The stream that gets this connection's events (set once the call is known). */
  listen(listener: TransportListener): void {
    this.listener = listener;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(message: WireMessage): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.batcher.hold(this.socket);
    this.ws.send(message);
  }

  close(code: number, reason: string, graceMs: number): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    const timer = setTimeout(() => this.ws.terminate(), graceMs);
    timer.unref();
    this.closed = () => clearTimeout(timer);
    this.ws.close(code, reason);
    return this.gone;
  }
}
