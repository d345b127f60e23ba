import { ChildProcess, spawn } from 'node:child_process';
import { eventually } from '@asb/testing';
import { WORKSPACE_ROOT } from './workspace';

/** The example worker run from source, as its README says, as a process of its own. */
export class WorkerProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  /** `env`: more settings, e.g. NATS_USER and NATS_PASSWORD. */
  constructor(
    readonly id: string,
    natsUrl: string,
    env: Record<string, string> = {},
  ) {
    this.child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'examples/transcript-worker/src/main.ts'],
      {
        cwd: WORKSPACE_ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          SWC_NODE_PROJECT: 'tsconfig.base.json',
          NATS_SERVERS: natsUrl,
          WORKER_ID: id,
          CLAIM_LEASE_MS: '3000',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let rest = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString();
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => this.lines.push({ stderr: chunk.toString() }));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  said(msg: string): Array<Record<string, unknown>> {
    return this.lines.filter((line) => line['msg'] === msg);
  }

  async ready(): Promise<void> {
    await eventually(() => this.said('ready').length > 0, 30_000, `worker ${this.id} ready`).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${JSON.stringify(this.lines, null, 1)}`);
      },
    );
  }

  /** Dies at once, as a crashed worker or a lost node does: its claims stay behind. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    this.child.kill('SIGKILL');
  }
}
