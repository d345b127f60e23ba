import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN,
  freshDatabase,
  startApi,
  TestApi,
  TestNats,
} from '../../__tests__/dashboard-api-harness';

interface AuditPage {
  entries: Array<{ action: string; username: string; clientAddress: string | null }>;
}

describe('dashboard-api HTTP hardening (real PostgreSQL and NATS)', () => {
  let nats: TestNats;
  let databaseUrl: string;
  let staticDir: string;
  let api: TestApi;
  let adminToken: string;

  beforeAll(async () => {
    nats = await TestNats.start();
    databaseUrl = await freshDatabase('asb_dashboard_api_http');
    staticDir = mkdtempSync(join(tmpdir(), 'asb-dashboard-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>dashboard</title>');
    api = await startApi(nats, databaseUrl, { DASHBOARD_STATIC_DIR: staticDir });
    adminToken = await api.login(ADMIN.username, ADMIN.password);
  });

  afterAll(async () => {
    await api?.close();
    await nats?.stop();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('sends the security headers on the API and on the dashboard, and does not name its framework', async () => {
    for (const path of ['/api/v1/auth/me', '/']) {
      const response = await api.request('GET', path, { token: adminToken });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });

  it('answers a malformed JSON body with 400 and an oversized one with 413, beside the dashboard', async () => {
    const malformed = await fetch(`${api.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": "root", ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ message: 'the request body is not valid JSON' });

    const oversized = await fetch(`${api.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({
      message: 'the request body is larger than 100 KiB',
    });
  });

  describe('behind the dashboard proxy', () => {
    let proxied: TestApi;

    beforeAll(async () => {
      proxied = await startApi(nats, databaseUrl, {
        DASHBOARD_TRUSTED_PROXIES: 'loopback',
        DASHBOARD_LOGIN_RATE_LIMIT: '3',
        DASHBOARD_LOGIN_USER_RATE_LIMIT: '4',
      });
    });

    afterAll(() => proxied?.close());

    const attempt = (client: string, username: string, password = 'not the password') =>
      proxied.request('POST', '/api/v1/auth/login', {
        body: { username, password },
        headers: { 'x-forwarded-for': client },
      });

    it('limits each client address, not the proxy, and says when to come back', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1)
        statuses.push((await attempt('198.51.100.1', 'nobody')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const limited = await attempt('198.51.100.1', ADMIN.username, ADMIN.password);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another client behind the same proxy is not locked out by the first one.
      expect((await attempt('198.51.100.2', ADMIN.username, ADMIN.password)).status).toBe(200);
    });

    it('limits each user name across addresses', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        statuses.push((await attempt(`203.0.113.${10 + i}`, 'Victim ')).status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
      const again = await attempt('203.0.113.99', 'VICTIM');
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('audits the client address the proxy forwarded', async () => {
      await attempt('192.0.2.44', 'audited-user');
      const page = (await (
        await proxied.request('GET', '/api/v1/audit?username=audited-user', { token: adminToken })
      ).json()) as AuditPage;
      expect(page.entries.map((entry) => entry.clientAddress)).toEqual(['192.0.2.44']);
    });
  });

  it('does not believe a forwarded address from a client it was not told to trust', async () => {
    await api.request('POST', '/api/v1/auth/login', {
      body: { username: 'spoofer', password: 'not the password' },
      headers: { 'x-forwarded-for': '192.0.2.45' },
    });
    const page = (await (
      await api.request('GET', '/api/v1/audit?username=spoofer', { token: adminToken })
    ).json()) as AuditPage;
    expect(page.entries.map((entry) => entry.clientAddress)).toEqual([
      expect.stringMatching(/127\.0\.0\.1$/),
    ]);
  });
});
