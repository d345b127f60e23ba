import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NATS_USERS, NatsUser, natsPasswordVariable } from '@asb/contracts';
import { freePort, NatsTestServer } from '@asb/testing';
import { WORKSPACE_ROOT } from './workspace';

/**
 * A private nats-server that runs deploy/k8s/base/nats/nats-server.conf as shipped: one user per
 * service and for AI teams, each with a password of this run, allowed only what the contracts
 * give it.
 */
export class ShippedNats {
  /** nats-server reads a variable's value as config: a letter first, then hex, stays a string. */
  readonly passwords = Object.fromEntries(
    NATS_USERS.map((user) => [user, `p${randomBytes(16).toString('hex')}`]),
  ) as Record<NatsUser, string>;
  private server?: NatsTestServer;

  async start(): Promise<this> {
    this.server = new NatsTestServer(await freePort(), {
      configFile: join(WORKSPACE_ROOT, 'deploy/k8s/base/nats/nats-server.conf'),
      env: Object.fromEntries(
        NATS_USERS.map((user) => [natsPasswordVariable(user), this.passwords[user]]),
      ),
    });
    await this.server.start();
    return this;
  }

  get url(): string {
    return (this.server as NatsTestServer).url;
  }

  /** The settings a service logs in with as `user`. */
  as(user: NatsUser): Record<string, string> {
    return { NATS_SERVERS: this.url, NATS_USER: user, NATS_PASSWORD: this.passwords[user] };
  }

  /** The server's log lines of what it refused (permission violations). */
  violations(): string[] {
    return (this.server?.log ?? [])
      .join('')
      .split('\n')
      .filter((line) => /Violation/i.test(line));
  }

  async dispose(): Promise<void> {
    await this.server?.dispose();
  }
}
