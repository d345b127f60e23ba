import { Pool } from 'pg';
import { BlackholeProxy, POSTGRES_ADMIN_URL } from '@asb/testing';
import { guardConnectionLeases } from './connection-lease-guard';

const LEASE_MS = 500;

describe('guardConnectionLeases (real PostgreSQL behind a blackholing proxy)', () => {
  let proxy: BlackholeProxy;
  let pool: Pool;
  let closed = 0;

  beforeAll(async () => {
    proxy = await new BlackholeProxy(Number(new URL(POSTGRES_ADMIN_URL).port || 5432)).start();
    const url = new URL(POSTGRES_ADMIN_URL);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    pool = new Pool({ connectionString: url.toString(), max: 2 });
    pool.on('error', () => undefined);
    guardConnectionLeases(pool, LEASE_MS, () => (closed += 1));
  });

  afterAll(async () => {
    proxy.resume();
    await pool.end();
    await proxy.stop();
  });

  it('fails a query that gets no answer, and lends no connection that still waits for one', async () => {
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    proxy.blackhole();
    const startedAt = Date.now();
    await expect(pool.query('SELECT 2')).rejects.toThrow(/terminated/i);
    expect(Date.now() - startedAt).toBeLessThan(LEASE_MS + 1000);
    expect(closed).toBe(1);

    proxy.resume();
    const resumedAt = Date.now();
    expect((await pool.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    expect(Date.now() - resumedAt).toBeLessThan(LEASE_MS);
  });

  it('leaves a connection alone that answers in time', async () => {
    await pool.query(`SELECT pg_sleep(${LEASE_MS / 2000})`);
    expect(closed).toBe(1);
  });
});
