import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@asb/testing';
import { ServiceProcess } from './support/service-process';
import { WORKSPACE_ROOT } from './support/workspace';

const run = promisify(execFile);
const CLI = join(WORKSPACE_ROOT, 'dist/apps/asterisk-sim/cli.js');

/** The simulator's command line, against a running simulator, as an operator uses it. */
describe('asterisk-sim CLI', () => {
  let sim: ServiceProcess;
  const env = { SIM_ARI_PASSWORD: 'cli-test', PATH: process.env['PATH'] ?? '' };

  beforeAll(async () => {
    sim = new ServiceProcess('asterisk-sim', {
      HTTP_PORT: String(await freePort()),
      SIM_SERVERS: `pbx1:${await freePort()},pbx2:${await freePort()}`,
      SIM_ARI_PASSWORD: 'cli-test',
    }).start();
    await sim.waitFor('/health/ready');
  });

  afterAll(async () => {
    await sim.stop();
  });

  const cli = (...args: string[]) =>
    run(process.execPath, [CLI, ...args, '--url', sim.baseUrl], { env });

  it('runs a scenario to its end, printing progress', async () => {
    const { stdout } = await cli(
      'run',
      '--calls',
      '4',
      '--concurrency',
      '4',
      '--rate',
      '20',
      '--ring',
      '50-100',
      '--talk',
      '300-500',
      '--answer',
      '1',
    );
    expect(stdout).toMatch(/scenario [0-9a-f-]{36} started/);
    expect(stdout).toMatch(/finished\s+placed 4\/4\s+active 0\s+answered 4\s+ended 4/);
  });

  it('lists the servers and sets faults', async () => {
    expect((await cli('servers')).stdout).toMatch(/pbx1[\s\S]*pbx2/);
    const faults = JSON.parse(
      (await cli('faults', '--loss', '5', '--rest-delay', '20')).stdout,
    ) as {
      rtp: { lossPercent: number };
      servers: Record<string, { restDelayMs: number }>;
    };
    expect(faults.rtp.lossPercent).toBe(5);
    expect(faults.servers['pbx2'].restDelayMs).toBe(20);
  });

  it('fails clearly on a wrong password or an unknown command', async () => {
    await expect(
      run(process.execPath, [CLI, 'servers', '--url', sim.baseUrl], {
        env: { ...env, SIM_ARI_PASSWORD: 'wrong' },
      }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/401/),
    });
    await expect(cli('explode')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/unknown command explode/),
    });
  });
});
