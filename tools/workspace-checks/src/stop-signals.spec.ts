import { ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const STOP_SIGNALS = join(ROOT, 'tools/dev/stop-signals.mjs');

/** Like the demo: a script that starts a long-lived child and must take it down when told to. */
const FIXTURE = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { onStopRequest } from ${JSON.stringify(STOP_SIGNALS)};
const child = spawn('sleep', ['300'], { stdio: 'ignore' });
writeFileSync('child.pid', String(child.pid));
onStopRequest(() => {
  child.once('exit', () => process.exit(0));
  child.kill('SIGTERM');
});
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a tool started with npm run stops what it started', () => {
  let dir: string;
  const npms: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'asb-stop-signals-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'fixture',
        private: true,
        scripts: { supervised: 'node fixture.mjs' },
      }),
    );
    writeFileSync(join(dir, 'fixture.mjs'), FIXTURE);
    // The project's npm settings, which decide the shell between npm and the script.
    copyFileSync(join(ROOT, '.npmrc'), join(dir, '.npmrc'));
  });

  afterEach(() => {
    for (const npm of npms) npm.kill('SIGKILL');
    const pidFile = join(dir, 'child.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'when npm gets %s',
    async (signal) => {
      const npm = spawn('npm', ['run', '--silent', 'supervised'], { cwd: dir, stdio: 'ignore' });
      npms.push(npm);
      const pidFile = join(dir, 'child.pid');
      await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '', 'the child');
      const child = Number(readFileSync(pidFile, 'utf8'));
      expect(alive(child)).toBe(true);
      npm.kill(signal);
      await until(() => !alive(child), `the child to stop after ${signal} to npm`);
    },
    30_000,
  );
});
