import { createServer, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import { Logger } from '@nestjs/common';
import type { AsteriskInstance } from '../pbx/asterisk-instance';
import { resourceDoc, resourceListing } from './api-docs';
import { AriCredentials, isAuthorized } from './ari-credentials';
import { pathParam } from './ari-request';
import { EventsWebSocket } from './events-websocket';
import { applicationsRoutes } from './routes/applications.routes';
import { AsteriskIdentity, asteriskRoutes } from './routes/asterisk.routes';
import { bridgesRoutes } from './routes/bridges.routes';
import { channelsRoutes } from './routes/channels.routes';

export interface AriServerOptions {
  host: string;
  port: number;
  credentials: AriCredentials;
  wsWriteTimeoutMs: number;
  /** http.conf `sessionlimit`: open connections (keep-alive and WebSocket ones included) allowed at once. */
  sessionLimit: number;
  /** http.conf `session_keep_alive`: how long an idle keep-alive connection stays open. */
  keepAliveMs: number;
  /** What the server presents itself as: its version and the modules not loaded. */
  identity?: AsteriskIdentity;
}

/**
 * The HTTP face of one simulated Asterisk: REST and the events WebSocket under /ari, on the
 * instance's own port, as Asterisk's built-in HTTP server serves them, session limit included.
 */
export class AriServer {
  private readonly logger: Logger;
  private readonly http: Server;
  readonly events: EventsWebSocket;
  private readonly sessions = new Set<Socket>();
  private refusedSessions = 0;

  constructor(
    readonly pbx: AsteriskInstance,
    private readonly options: AriServerOptions,
  ) {
    this.logger = new Logger(`AriServer ${pbx.name}`);
    this.events = new EventsWebSocket(pbx, options.credentials, {
      writeTimeoutMs: options.wsWriteTimeoutMs,
    });
    const app = express();
    app.disable('x-powered-by');
    app.use('/ari', (req, res, next) => {
      if (!isAuthorized(req, options.credentials)) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Basic realm="Asterisk REST Interface"')
          .json({ message: 'Authentication required' });
        return;
      }
      next();
    });
    app.get('/ari/api-docs/resources.json', (req, res) =>
      res.json(resourceListing(this.basePath(req))),
    );
    app.get('/ari/api-docs/:resource.json', (req, res) => {
      const doc = resourceDoc(pathParam(req, 'resource'), this.basePath(req));
      if (doc) res.json(doc);
      else res.status(404).json({ message: 'Resource not found' });
    });
    app.use('/ari', (_req, res, next) => this.injectRestFaults(res, next));
    app.use('/ari', express.json({ limit: '64kb' }));
    app.use(
      '/ari',
      channelsRoutes(pbx),
      bridgesRoutes(pbx),
      applicationsRoutes(pbx),
      asteriskRoutes(pbx, this.options.identity),
    );
    app.use((_req, res) => res.status(404).json({ message: 'Not found' }));
    app.use(
      (error: Error & { type?: string }, _req: Request, res: Response, _next: NextFunction) => {
        if (error.type === 'entity.parse.failed') {
          res.status(400).json({ message: 'Error parsing request body' });
          return;
        }
        this.logger.error(`ARI request failed: ${error.message}`);
        res
          .status(500)
          .json({ message: 'An internal error prevented this request from being handled' });
      },
    );
    this.http = createServer(app);
    this.http.keepAliveTimeout = options.keepAliveMs;
    // Node's own connection cap behaves as Asterisk's sessionlimit: a connection beyond it is
    // closed before a byte of it is read, so the client gets no HTTP answer at all.
    this.http.maxConnections = options.sessionLimit;
    this.http.on('drop', () => {
      this.refusedSessions += 1;
      this.logger.warn(
        `WARNING http.c: HTTP session count exceeded ${options.sessionLimit} sessions.`,
      );
    });
    this.http.on('connection', (socket: Socket) => {
      this.sessions.add(socket);
      socket.once('close', () => this.sessions.delete(socket));
    });
    this.http.on('upgrade', (req, socket, head) => this.events.handleUpgrade(req, socket, head));
  }

  /** Open HTTP sessions: requests in progress, idle keep-alive connections and WebSockets. */
  get httpSessions(): number {
    return this.sessions.size;
  }

  /** Connections closed unanswered because the session limit was reached. */
  get httpSessionsRefused(): number {
    return this.refusedSessions;
  }

  get httpSessionLimit(): number {
    return this.options.sessionLimit;
  }

  private basePath(req: Request): string {
    return `http://${req.headers.host ?? `${this.options.host}:${this.port}`}/ari`;
  }

  private injectRestFaults(res: Response, next: NextFunction): void {
    const { restDelayMs, restFailureRate } = this.pbx.faults;
    const proceed = () => {
      if (restFailureRate > 0 && Math.random() < restFailureRate) {
        res
          .status(500)
          .json({ message: 'An internal error prevented this request from being handled' });
      } else next();
    };
    if (restDelayMs > 0) setTimeout(proceed, restDelayMs);
    else proceed();
  }

  get port(): number {
    return (this.http.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host, () => resolve());
    });
    this.logger.log(
      `ARI of ${this.pbx.name} (asterisk_id ${this.pbx.asteriskId}) on http://${this.options.host}:${this.port}/ari`,
    );
  }

  async stop(): Promise<void> {
    this.events.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
