import { createServer, Server, Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP proxy on a free loopback port that forwards to one target and, on demand, turns into a
 * black hole: nothing is forwarded either way and no socket is closed, so both ends see a peer
 * that has gone silent (no data, no FIN, no RST), as when a firewall or a dead link drops
 * packets. Unlike stopping the server, this is the failure that only timeouts can detect.
 *
 * While the hole is open, bytes stay unread in the kernel buffers (TCP flow control then stalls
 * the senders); new connections are accepted (the listen queue answers the handshake, as a real
 * host behind a dead link would not, but no byte ever comes back); a side that closes has its
 * close passed on only when forwarding resumes. `resume` delivers everything that was held back.
 */
export class BlackholeProxy {
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  private readonly closedWhileHoled = new Set<Socket>();
  private holed = false;
  private listeningPort = 0;

  constructor(
    readonly targetPort: number,
    readonly targetHost = '127.0.0.1',
  ) {}

  /** The port clients connect to (after `start`). */
  get port(): number {
    return this.listeningPort;
  }

  get blackholed(): boolean {
    return this.holed;
  }

  /** Connections open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.listeningPort = (server.address() as { port: number }).port;
    return this;
  }

  /** Stops forwarding in both directions; every socket stays open. */
  blackhole(): void {
    this.holed = true;
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Forwards again, held-back bytes first, and passes on closes that happened meanwhile. */
  resume(): void {
    this.holed = false;
    for (const socket of this.closedWhileHoled) socket.destroy();
    this.closedWhileHoled.clear();
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = new Socket();
    const pair = { client, upstream };
    this.pairs.add(pair);
    this.forward(client, upstream);
    this.forward(upstream, client);
    const closed = (other: Socket) => () => {
      this.pairs.delete(pair);
      if (this.holed) this.closedWhileHoled.add(other);
      else other.destroy();
    };
    client.once('close', closed(upstream));
    upstream.once('close', closed(client));
    // A reset or refusal ends the pair through 'close'; the error itself is expected here.
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    if (this.holed) {
      client.pause();
      upstream.pause();
    }
    upstream.connect(this.targetPort, this.targetHost);
  }

  /** Copies `from` to `to` with backpressure; a hole keeps `from` paused whatever `to` does. */
  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk)) return;
      from.pause();
      to.once('drain', () => {
        if (!this.holed) from.resume();
      });
    });
  }
}
