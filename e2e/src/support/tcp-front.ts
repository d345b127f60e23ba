import { connect, createServer, Server, Socket } from 'node:net';

interface Link {
  backend: number;
  client: Socket;
  upstream: Socket;
}

/**
 * One TCP address in front of several backends, as a Kubernetes Service puts one in front of the
 * gateway pods: each new connection goes to the next backend in turn that accepts it (a dead one
 * refuses and the next is tried), and lives and dies with that backend's connection. Unlike
 * kube-proxy it copies the bytes in user space, and it accepts a connection before it knows a
 * backend will: the tests and the benchmark use it where gateways fail over, never where CPU
 * or latency is measured.
 */
export class TcpFront {
  private server?: Server;
  private next = 0;
  private readonly links = new Set<Link>();
  /** Backends whose node is gone: nothing reaches them, and nothing of theirs closes. */
  private readonly vanished = new Set<number>();

  constructor(private readonly backends: number[] = []) {}

  async listen(port = 0): Promise<number> {
    const server = createServer({ noDelay: true, pauseOnConnect: true }, (client) =>
      this.forward(client, this.next++, 0),
    );
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  add(backend: number): void {
    this.backends.push(backend);
  }

  /**
   * The backend's node is gone, as after a power loss: its connections carry nothing more and
   * never close (the peer keeps writing into them), and new ones do not reach it.
   */
  vanish(backend: number): void {
    this.vanished.add(backend);
    for (const link of this.links) {
      if (link.backend !== backend) continue;
      link.client.unpipe(link.upstream);
      link.client.pause();
      link.upstream.unpipe(link.client);
    }
  }

  /** Tries the backends in turn from the `first`th, each once. */
  private forward(client: Socket, first: number, tried: number): void {
    const live = this.backends.filter((backend) => !this.vanished.has(backend));
    if (tried >= live.length) {
      client.destroy();
      return;
    }
    const backend = live[(first + tried) % live.length];
    const upstream = connect({ host: '127.0.0.1', port: backend, noDelay: true });
    let connected = false;
    upstream.on('error', () => {
      if (connected) client.destroy();
      else this.forward(client, first, tried + 1);
    });
    upstream.once('connect', () => {
      connected = true;
      const link = { backend, client, upstream };
      this.links.add(link);
      client.on('error', () => upstream.destroy());
      const close = () => {
        this.links.delete(link);
        client.destroy();
        upstream.destroy();
      };
      upstream.once('close', () => {
        if (!this.vanished.has(backend)) close();
      });
      client.once('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
