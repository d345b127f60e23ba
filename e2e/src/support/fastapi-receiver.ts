import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWavPcm16 } from '@asb/rtp';
import { freePort } from '@asb/testing';
import { WORKSPACE_ROOT } from './workspace';

const RECEIVER = join(WORKSPACE_ROOT, 'examples/fastapi-receiver/main.py');
/** Debian's Python, which has FastAPI and uvicorn (the one on PATH may not). */
const PYTHON = process.env['RECEIVER_PYTHON'] ?? '/usr/bin/python3';
/** Made anew for every run: the receiver and stream-egress are given them, nothing else. */
export const RECEIVER_TOKEN = randomBytes(18).toString('base64url');
export const RECEIVER_SECRET = randomBytes(24).toString('base64url');

/** The FastAPI example backend as its README runs it. */
export class FastApiReceiver {
  readonly recordings = mkdtempSync(join(tmpdir(), 'asb-fastapi-'));
  private child?: ChildProcess;
  readonly output: string[] = [];
  port = 0;

  async start(): Promise<this> {
    this.port = await freePort();
    this.child = spawn(
      PYTHON,
      [RECEIVER, '--port', String(this.port), '--recordings', this.recordings],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          RECEIVER_TOKEN,
          RECEIVER_HMAC_SECRET: RECEIVER_SECRET,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${this.port}/health`)).ok) return this;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`the FastAPI receiver did not start:\n${this.output.join('')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/media-stream`;
  }

  /** stream-egress's settings for a route of every call to this receiver (Twilio format). */
  egressSettings(tracks?: string[]): Record<string, string> {
    return {
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'fastapi',
          match: { all: true },
          targets: [
            {
              url: this.url,
              ...(tracks ? { tracks } : {}),
              bearerTokenEnv: 'RECEIVER_TOKEN',
              hmacSecretEnv: 'RECEIVER_HMAC_SECRET',
              // On this host: no network between them to encrypt.
              allowPlainWs: true,
            },
          ],
        },
      ]),
      RECEIVER_TOKEN,
      RECEIVER_HMAC_SECRET: RECEIVER_SECRET,
    };
  }

  wav(callId: string, track: 'inbound' | 'outbound'): Int16Array | undefined {
    const path = join(this.recordings, `${callId}-${track}.wav`);
    return existsSync(path) ? readWavPcm16(path).samples : undefined;
  }

  summary(callId: string): { start: { customParameters: Record<string, string> } } | undefined {
    const path = join(this.recordings, `${callId}.json`);
    return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
  }

  stop(): void {
    this.child?.kill('SIGTERM');
    rmSync(this.recordings, { recursive: true, force: true });
  }
}
