import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import { WebSocket, WebSocketServer } from 'ws';
import type { AsteriskInstance } from '../pbx/asterisk-instance';
import type { AppConnection, StasisApplication } from '../pbx/stasis-application';
import { AriCredentials, isAuthorized } from './ari-credentials';

export interface EventsWebSocketOptions {
  /** Asterisk's `websocket_write_timeout` (ari.conf): a client that reads slower than this is dropped. */
  writeTimeoutMs: number;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message: text })}`,
  );
}

/** `/ari/events?app=...`: one WebSocket per client, receiving the events of its apps. */
export class EventsWebSocket {
  private readonly logger = new Logger(EventsWebSocket.name);
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly sockets = new Set<WebSocket>();

  constructor(
    private readonly pbx: AsteriskInstance,
    private readonly credentials: AriCredentials,
    private readonly options: EventsWebSocketOptions,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ari/events') return reject(socket, 404, 'Not Found');
    if (!isAuthorized(req, this.credentials)) return reject(socket, 401, 'Authentication required');
    const appNames = (url.searchParams.get('app') ?? '')
      .split(',')
      .filter((name) => name.length > 0);
    if (appNames.length === 0) return reject(socket, 400, 'Missing param app');
    const subscribeAll = /^(true|yes|1)$/i.test(url.searchParams.get('subscribeAll') ?? '');
    this.server.handleUpgrade(req, socket, head, (ws) => this.attach(ws, appNames, subscribeAll));
  }

  private attach(ws: WebSocket, appNames: string[], subscribeAll: boolean): void {
    this.sockets.add(ws);
    let stuckSince = 0;
    const connection: AppConnection = {
      send: (json) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(json);
      },
      close: (code, reason) => ws.close(code, reason),
    };
    // Asterisk gives a write this long to complete, then drops the client as a slow reader.
    const watchdog = setInterval(
      () => {
        if (ws.bufferedAmount === 0) {
          stuckSince = 0;
          return;
        }
        stuckSince ||= Date.now();
        if (Date.now() - stuckSince > this.options.writeTimeoutMs) {
          this.logger.warn(
            `dropping slow ARI client of ${appNames.join(',')} (${ws.bufferedAmount} bytes unsent)`,
          );
          ws.terminate();
        }
      },
      Math.max(10, Math.floor(this.options.writeTimeoutMs / 2)),
    );

    const apps: StasisApplication[] = appNames.map((name) => {
      const app = this.pbx.connectApp(name, subscribeAll);
      app.connections.add(connection);
      return app;
    });
    ws.on('close', () => {
      clearInterval(watchdog);
      this.sockets.delete(ws);
      for (const app of apps) {
        app.connections.delete(connection);
        this.pbx.disconnectApp(app);
      }
    });
    ws.on('error', () => ws.terminate());
  }

  /** An abrupt drop of every connection (no close frame), as when the network or Asterisk fails. */
  dropAll(): number {
    const count = this.sockets.size;
    for (const ws of this.sockets) ws.terminate();
    return count;
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.server.close();
  }
}
