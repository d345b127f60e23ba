import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@asb/testing';

const WORKSPACE_ROOT = join(__dirname, '../../../../..');

/** Runs the failing service fixture as its own process; resolves with its exit and stderr. */
async function runFixture(fail: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, 'failing-service.fixture.ts')],
    {
      cwd: WORKSPACE_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json'),
        FAIL: fail,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(await freePort()),
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('startService when a module fails to initialise', () => {
  it('exits with 78 and the problem when a ConfigError is behind the failure', async () => {
    const { code, stderr } = await runFixture('config');
    expect(code).toBe(78);
    expect(stderr).toContain('failing: Invalid configuration:\n  SOME_URL: is not reachable');
  }, 30_000);

  it('exits with 1 and one line saying why for any other failure', async () => {
    const { code, stderr } = await runFixture('other');
    expect(code).toBe(1);
    expect(stderr).toContain('failing: failed to start: Error: the disk is full at somewhere\n');
  }, 30_000);
});
