import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { distMain } from './workspace';

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the stop signal to the exit. */
  stopMs: number;
}

/**
 * One built service run as its own process, as in production: real HTTP, real signals, its
 * JSON logs kept for assertions and for the failure message when something goes wrong.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];

  constructor(
    readonly app: string,
    private readonly env: Record<string, string>,
  ) {}

  /** The process id, to read its CPU time and memory from /proc. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.env['HTTP_PORT']}`;
  }

  start(): this {
    const main = distMain(this.app);
    if (!existsSync(main))
      throw new Error(`${main} is missing: build the apps first (npx nx run-many -t build)`);
    this.child = spawn(process.execPath, ['--enable-source-maps', main], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.stdout.push(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    const child = this.child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return this;
  }

  /** A new process of the same service with the same settings (HTTP port too), as after a crash. */
  restarted(): ServiceProcess {
    return new ServiceProcess(this.app, this.env).start();
  }

  logs(): string {
    return `--- ${this.app} stdout ---\n${this.stdout.join('')}\n--- ${this.app} stderr ---\n${this.stderr.join('')}`;
  }

  /** Polls a URL until it answers with the wanted status, or fails with the service's logs. */
  async waitFor(path: string, status = 200, timeoutMs = 20_000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
        throw new Error(
          `${this.app} exited with ${this.child.exitCode} while waiting for ${path}\n${this.logs()}`,
        );
      }
      try {
        const response = await fetch(`${this.baseUrl}${path}`);
        if (response.status === status) return response;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `${this.app} ${path} did not answer ${status} within ${timeoutMs} ms (last: ${last})\n${this.logs()}`,
    );
  }

  async exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exited) throw new Error('not started');
    return this.exited;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitResult> {
    const started = Date.now();
    if (this.child && this.child.exitCode === null) this.child.kill(signal);
    const result = await this.exit();
    return { ...result, stopMs: Date.now() - started };
  }

  /** Last resort in afterAll, so a failed test never leaves a process behind. */
  /**
   * Stops the process where it stands (SIGSTOP), as a node that vanished: its sockets stay open
   * and nothing answers on them. kill() still ends it.
   */
  freeze(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGSTOP');
  }

  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
