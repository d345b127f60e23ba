import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import WebSocket from 'ws';
import type { WireMessage } from '../formats/egress-format';
import type { EgressTransport, TransportListener } from '../streams/egress-transport';
import type { SocketBatcher } from '../streams/socket-batcher';
import { ReconnectBackoff } from './reconnect-backoff';

/** Largest message a backend may send us (marks and the like; audio never flows back yet). */
export const BACKEND_MAX_PAYLOAD_BYTES = 64 * 1024;
/** A ping goes out this often; a connection that has not answered the previous one is dead. */
export const HEARTBEAT_INTERVAL_MS = 15_000;

export interface BackendConnectionOptions {
  url: string;
  /** Subprotocol to ask for (jambonz: audio.jambonz.org). */
  subprotocol?: string;
  /** Handshake headers, computed for every attempt (a signature carries a timestamp). */
  headers: () => Record<string, string>;
  /** Trusted CAs for wss:// (undefined: the system's). */
  ca?: string[];
  connectTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** For logs: the URL without credentials or query. */
  label: string;
}

/**
 * A WebSocket to a backend that reconnects with backoff until it is closed: a dropped connection,
 * a failed handshake or a backend that stops answering pings all lead to another attempt. The
 * backend ending the connection with close code 1000 means it is done with the stream: that
 * ends it for good. Writes of one event-loop turn go out in one system call (SocketBatcher).
 */
export class BackendConnection implements EgressTransport {
  private readonly logger = new Logger(BackendConnection.name);
  private ws?: WebSocket;
  private socket?: Duplex;
  private openedAt?: number;
  private closing = false;
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private awaitingPong = false;
  private failures = 0;
  private closed?: () => void;
  private readonly backoff: ReconnectBackoff;

  constructor(
    private readonly options: BackendConnectionOptions,
    private readonly listener: TransportListener,
    private readonly batcher: SocketBatcher,
  ) {
    this.backoff = new ReconnectBackoff(options.reconnectMinMs, options.reconnectMaxMs);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  connect(): void {
    if (this.closing) return;
    const ws = new WebSocket(this.options.url, this.options.subprotocol ?? [], {
      headers: this.options.headers(),
      handshakeTimeout: this.options.connectTimeoutMs,
      ca: this.options.ca,
      perMessageDeflate: false,
      maxPayload: BACKEND_MAX_PAYLOAD_BYTES,
      followRedirects: false,
    });
    this.ws = ws;
    ws.on('upgrade', (response: IncomingMessage) => {
      this.socket = response.socket;
    });
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.openedAt = performance.now();
      if (this.failures > 0) {
        this.logger.log(
          `connected to ${this.options.label} after ${this.failures} failed attempts`,
        );
      }
      this.failures = 0;
      this.startHeartbeat(ws);
      this.listener.opened();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.ws === ws) this.listener.received(data, isBinary);
    });
    ws.on('pong', () => {
      this.awaitingPong = false;
    });
    ws.on('error', (error: Error) => {
      // 'close' follows; the error only says why.
      if (this.ws === ws && !this.closing) this.noteFailure(error.message);
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason.toString()));
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.stopHeartbeat();
    const wasOpen = this.openedAt !== undefined;
    const lasted = wasOpen ? performance.now() - (this.openedAt as number) : 0;
    this.ws = undefined;
    this.socket = undefined;
    this.openedAt = undefined;
    if (this.closing) {
      this.closed?.();
      return;
    }
    if (wasOpen && code === 1000) {
      this.logger.log(`${this.options.label} closed the stream (1000 ${reason})`);
      this.listener.ended(`closed by the backend: ${reason || 'normal closure'}`);
      return;
    }
    const detail = wasOpen
      ? `connection lost (${code}${reason ? ` ${reason}` : ''})`
      : 'connect failed';
    if (wasOpen) this.logger.warn(`${this.options.label}: ${detail}; reconnecting`);
    this.backoff.connectionLasted(lasted);
    this.listener.lost(detail, wasOpen);
    const wait = this.backoff.next();
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }

  private noteFailure(message: string): void {
    this.failures += 1;
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.logger.warn(`${this.options.label}: ${message} (attempt ${this.failures}); retrying`);
    }
  }

  private startHeartbeat(ws: WebSocket): void {
    this.awaitingPong = false;
    this.heartbeat = setInterval(() => {
      if (this.awaitingPong) {
        this.logger.warn(`${this.options.label} stopped answering pings; reconnecting`);
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
    }, HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  send(message: WireMessage): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.socket) this.batcher.hold(this.socket);
    ws.send(message);
  }

  close(code: number, reason: string, graceMs: number): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    const ws = this.ws;
    if (!ws) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.terminate(), graceMs);
      timer.unref();
      this.closed = () => {
        clearTimeout(timer);
        resolve();
      };
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, reason);
    });
  }
}
