import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';

/** A free TCP port on loopback, picked by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private nats-server (JetStream on, its own store) that a test can stop and start again on
 * the same port, for outage tests that must not disturb the shared server.
 */
export interface NatsTestServerOptions {
  /** A configuration file (its port and store are overridden); its `$VARIABLES` come from `env`. */
  configFile?: string;
  env?: Record<string, string>;
}

export class NatsTestServer {
  private process?: ChildProcess;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'asb-nats-'));
  private readonly binary = process.env['NATS_SERVER_BIN'] ?? 'nats-server';
  /** What the server logged (its errors, and permission violations): kept for the test to read. */
  readonly log: string[] = [];

  constructor(
    readonly port: number,
    private readonly options: NatsTestServerOptions = {},
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs, to read its CPU time from /proc. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    const { configFile, env } = this.options;
    this.process = spawn(
      this.binary,
      [
        ...(configFile ? ['-c', configFile] : []),
        ...['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '', ...env } },
    );
    this.process.stderr?.setEncoding('utf8').on('data', (text: string) => this.log.push(text));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) {
        throw new Error(`nats-server exited with ${this.process.exitCode}: ${this.log.join('')}`);
      }
      try {
        await this.ping();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`nats-server on port ${this.port} did not start`);
  }

  /** A connection that does not authenticate is refused by a server with users: its answer counts. */
  private async ping(): Promise<void> {
    try {
      const nc = await connect({ servers: this.url, timeout: 500, reconnect: false });
      await nc.close();
    } catch (error) {
      if (!/authorization/i.test((error as Error).message)) throw error;
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open but nothing is read or answered, as
   * with a server that cannot keep up. `resume` lets it go on.
   */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/**
 * A private nats-server on a free port and one client connection to it, for one spec file.
 * Harnesses extend it with what their service needs (streams, allocation requests, ...).
 */
export class PrivateNats {
  protected constructor(
    protected readonly server: NatsTestServer,
    readonly nc: NatsConnection,
  ) {}

  protected static async launch(): Promise<[NatsTestServer, NatsConnection]> {
    const server = new NatsTestServer(await freePort());
    await server.start();
    return [server, await connect({ servers: server.url })];
  }

  get url(): string {
    return this.server.url;
  }

  /** The server stops reading and answering (SIGSTOP) until resumed: a NATS that cannot keep up. */
  pause(): void {
    this.server.pause();
  }

  resume(): void {
    this.server.resume();
  }

  async stop(): Promise<void> {
    await this.nc.close();
    await this.server.dispose();
  }
}
