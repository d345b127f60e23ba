import { WebSocket } from 'ws';
import { AriEvent, readAriEvent } from './ari-model';

export interface AriEventStreamOptions {
  /** Base URL of the server, e.g. http://10.0.0.5:8088. */
  url: string;
  app: string;
  user: string;
  password: string;
  reconnectMaxMs: number;
}

export interface AriEventStreamHandlers {
  /** Each (re)connect: the app exists on the server again and must subscribe and resynchronise. */
  onOpen(): void;
  onClose(reason: string): void;
  /** An attempt to (re)connect failed; `attempt` counts since the last success. */
  onConnectFailed(attempt: number, reason: string): void;
  onEvent(event: AriEvent): void;
  onInvalid(reason: string): void;
}

/**
 * The app's events WebSocket, kept open forever with jittered exponential backoff. ari-client's
 * own WebSocket is not used: it parses without guarding (a malformed message or an event type
 * missing from the api-docs throws inside the socket handler and ends the process) and stops
 * reconnecting after a few tries. Messages are checked and handed over synchronously, so a
 * slow consumer can never make Asterisk drop us as a slow reader.
 */
export class AriEventStream {
  private ws?: WebSocket;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly options: AriEventStreamOptions,
    private readonly handlers: AriEventStreamHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  private open(): void {
    const base = new URL(this.options.url);
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    base.pathname = '/ari/events';
    base.search = new URLSearchParams({ app: this.options.app }).toString();
    // In a header rather than as api_key in the URL, which proxies and access logs keep.
    const credentials = Buffer.from(`${this.options.user}:${this.options.password}`);
    const ws = new WebSocket(base, {
      perMessageDeflate: false,
      handshakeTimeout: 5000,
      headers: { authorization: `Basic ${credentials.toString('base64')}` },
    });
    this.ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.attempt = 0;
      this.handlers.onOpen();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.handlers.onInvalid('binary_message');
      const event = readAriEvent(data.toString());
      if ('invalid' in event) this.handlers.onInvalid(event.invalid);
      else this.handlers.onEvent(event);
    });
    let failure = 'connection closed';
    ws.on('unexpected-response', (_req, res) => {
      failure = `HTTP ${res.statusCode} on the events WebSocket`;
      ws.terminate();
    });
    ws.on('error', (error) => (failure = error.message));
    ws.on('close', (code) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (opened) this.handlers.onClose(`WebSocket closed (${code})`);
      else this.handlers.onConnectFailed(this.attempt + 1, failure);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.attempt += 1;
    const ceiling = Math.min(this.options.reconnectMaxMs, 250 * 2 ** Math.min(this.attempt, 10));
    const wait = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.retryTimer = setTimeout(() => this.open(), wait);
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Consecutive failed attempts since the last successful connect. */
  get failedAttempts(): number {
    return this.attempt;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'ari-ingest stopping');
    setTimeout(() => ws?.terminate(), 1000).unref();
  }
}
