import { Client } from 'pg';
import { freePort } from './nats-test-server';
import { PostgresTestServer } from './postgres-test-server';

describe('PostgresTestServer', () => {
  it('runs a private cluster that can be stopped and started again', async () => {
    const server = new PostgresTestServer(await freePort());
    try {
      server.start();
      const client = new Client({ connectionString: server.url });
      const errors: Error[] = [];
      client.on('error', (error) => errors.push(error));
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      server.stop();
      await expect(client.query('SELECT 1')).rejects.toThrow();
      expect(errors.length).toBeLessThanOrEqual(1);
      await client.end().catch(() => undefined);
      server.start();
      const again = new Client({ connectionString: server.url });
      await again.connect();
      await again.end();
    } finally {
      server.dispose();
    }
  }, 60_000);
});
