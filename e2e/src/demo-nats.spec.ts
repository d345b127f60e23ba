import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'nats';
import { NATS_USERS } from '@asb/contracts';
import { freePort, NatsTestServer } from '@asb/testing';
import { WORKSPACE_ROOT } from './support/workspace';

const CONFIG = join(WORKSPACE_ROOT, 'deploy/k8s/base/nats/nats-server.conf');
const DEMO_USERS = join(WORKSPACE_ROOT, 'tools/dev/nats-demo-users.mjs');

/** What the demo (tools/dev/run-demo.mjs) reads: the users and their password variables. */
function demoUsers(): Array<{ user: string; variable: string }> {
  const script = `
import { natsPasswordVariable, natsUsersOf } from ${JSON.stringify(DEMO_USERS)};
const users = natsUsersOf(${JSON.stringify(CONFIG)});
process.stdout.write(JSON.stringify(users.map((user) => ({ user, variable: natsPasswordVariable(user) }))));
`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
}

describe("the demo's NATS", () => {
  it('gives nats-server a password for every user the shipped configuration names, and each logs in', async () => {
    const users = demoUsers();
    expect(users.map((u) => u.user).sort()).toEqual([...NATS_USERS].sort());
    const passwords = Object.fromEntries(users.map(({ user }, i) => [user, `p${i}demo0password`]));
    const server = new NatsTestServer(await freePort(), {
      configFile: CONFIG,
      env: Object.fromEntries(users.map(({ user, variable }) => [variable, passwords[user]])),
    });
    await server.start();
    try {
      for (const { user } of users) {
        const nc = await connect({ servers: server.url, user, pass: passwords[user] });
        await nc.close();
      }
    } finally {
      await server.dispose();
    }
  }, 30_000);
});
