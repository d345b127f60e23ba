import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  dropDatabase,
  dropMariaDatabase,
  freePort,
  freshDatabase,
  freshMariaDatabase,
  NatsTestServer,
} from '@asb/testing';
import { BridgeStack } from './bridge-stack';

/**
 * A simulated VICIdial (its tables in a MariaDB database of the test's own) with the bridge
 * reading them and call-logger keeping the calls in a PostgreSQL database of its own, all on a
 * private nats-server, so the logger sees this stack's calls only. `stop` removes it all.
 */
export class VicidialStack {
  private constructor(
    readonly stack: BridgeStack,
    readonly records: Client,
    private readonly nats: NatsTestServer,
    private readonly names: { maria: string; postgres: string; recordingsDir: string },
  ) {}

  static async start(name: string, servers: string[]): Promise<VicidialStack> {
    const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
    const names = {
      maria: `asb_e2e_${name}_${suffix}`,
      postgres: `asb_e2e_${name}_records_${suffix}`,
      recordingsDir: mkdtempSync(join(tmpdir(), `asb-e2e-${name}-`)),
    };
    const vicidialUrl = await freshMariaDatabase(names.maria);
    const recordsUrl = await freshDatabase(names.postgres);
    const nats = new NatsTestServer(await freePort());
    await nats.start();
    const stack = new BridgeStack({
      servers,
      natsUrl: nats.url,
      env: {
        'asterisk-sim': { SIM_VICIDIAL_DB_URL: vicidialUrl },
        'ari-ingest': {
          VICIDIAL_DB_URL: vicidialUrl,
          VICIDIAL_DB_POLL_INTERVAL_MS: '250',
          VICIDIAL_CALL_CODE_LAYOUT: 'current',
        },
      },
      callLogger: { DATABASE_URL: recordsUrl, RECORDINGS_DIR: names.recordingsDir },
    });
    const records = new Client({ connectionString: recordsUrl });
    const started = new VicidialStack(stack, records, nats, names);
    try {
      await stack.start();
      await records.connect();
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  }

  /** Every row of call-logger's calls table. */
  async calls<T>(): Promise<T[]> {
    return (await this.records.query(`SELECT * FROM calls`)).rows as T[];
  }

  async stop(): Promise<void> {
    await this.records.end().catch(() => undefined);
    await this.stack.stop();
    this.stack.kill();
    await this.nats.dispose();
    await dropDatabase(this.names.postgres);
    await dropMariaDatabase(this.names.maria);
    rmSync(this.names.recordingsDir, { recursive: true, force: true });
  }
}
