import { JwtService } from '@nestjs/jwt';
import { loadDashboardApiConfig } from '../../config/dashboard-api.config';
import {
  ADMIN,
  freshDatabase,
  startApi,
  TEST_JWT_SECRET,
  TestApi,
  TestNats,
} from '../../__tests__/dashboard-api-harness';

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: unknown[] }>>;
}

const jwt = new JwtService();
const sign = (payload: object, secret: string) => jwt.sign(payload, { secret });

/** A path of the OpenAPI document with its parameters filled in with well-formed values. */
function concrete(path: string): string {
  return path
    .replace('{callId}', 'pbx1-1732451234-56')
    .replace('{id}', '00000000-0000-4000-8000-000000000000');
}

describe('dashboard-api authentication and roles (real PostgreSQL and NATS)', () => {
  let nats: TestNats;
  let databaseUrl: string;
  let api: TestApi;
  let adminToken: string;

  beforeAll(async () => {
    nats = await TestNats.start();
    databaseUrl = await freshDatabase('asb_dashboard_api_auth');
    api = await startApi(nats, databaseUrl);
    adminToken = await api.login(ADMIN.username, ADMIN.password);
  });

  afterAll(async () => {
    await api?.close();
    await nats?.stop();
  });

  it('creates the initial admin from the config, who logs in (the name is case-insensitive)', async () => {
    const response = await api.request('POST', '/api/v1/auth/login', {
      body: { username: 'ROOT', password: ADMIN.password },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tokenType: string; expiresIn: number; user: object };
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 480 * 60,
      user: { username: 'root', role: 'admin' },
    });
    const me = await api.request('GET', '/api/v1/auth/me', { token: adminToken });
    expect(await me.json()).toMatchObject({ username: 'root', role: 'admin' });
  });

  it('answers a wrong password and an unknown user alike, and audits both', async () => {
    for (const body of [
      { username: 'root', password: 'not the password' },
      { username: 'nobody', password: 'whatever it is' },
    ]) {
      const response = await api.request('POST', '/api/v1/auth/login', { body });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ message: 'invalid username or password' });
    }
    const audit = await api.request('GET', '/api/v1/audit?action=login_failed', {
      token: adminToken,
    });
    const { entries } = (await audit.json()) as {
      entries: Array<{ username: string; detail: object }>;
    };
    expect(entries.map((e) => [e.username, e.detail])).toEqual([
      ['nobody', { reason: 'unknown_user' }],
      ['root', { reason: 'bad_password' }],
    ]);
  });

  it('refuses every documented protected route without a valid token', async () => {
    const document = (await (await api.request('GET', '/api/docs-json')).json()) as OpenApiDocument;
    const protectedRoutes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.security?.length)
        .map(([method]) => [method.toUpperCase(), concrete(path)] as const),
    );
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(6);
    const forged = sign(
      { sub: 'x', name: 'root', role: 'admin', ver: 0, purpose: 'access' },
      'another secret',
    );
    const expired = sign(
      {
        sub: 'x',
        name: 'root',
        role: 'admin',
        ver: 0,
        purpose: 'access',
        exp: Math.floor(Date.now() / 1000) - 10,
      },
      TEST_JWT_SECRET,
    );
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer not-a-jwt' },
      { authorization: `Bearer ${forged}` },
      { authorization: `Bearer ${expired}` },
      { authorization: adminToken },
    ];
    const results: string[] = [];
    for (const [method, path] of protectedRoutes) {
      for (const headers of attempts) {
        const response = await api.request(method, path, { headers });
        results.push(`${method} ${path} ${response.status}`);
      }
    }
    expect(results.filter((line) => !line.endsWith(' 401'))).toEqual([]);
  });

  it('keeps admin routes from viewers (403) and revokes tokens when a password changes', async () => {
    const created = await api.request('POST', '/api/v1/users', {
      token: adminToken,
      body: { username: 'Viewer1', password: 'a viewer password', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const viewer = (await created.json()) as { id: string; username: string };
    expect(viewer.username).toBe('viewer1');
    const viewerToken = await api.login('viewer1', 'a viewer password');
    expect((await api.request('GET', '/api/v1/live/calls', { token: viewerToken })).status).toBe(
      200,
    );
    for (const path of ['/api/v1/users', '/api/v1/audit']) {
      const response = await api.request('GET', path, { token: viewerToken });
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
    }
    const again = await api.request('POST', '/api/v1/users', {
      token: adminToken,
      body: { username: 'viewer1', password: 'another password', role: 'viewer' },
    });
    expect(again.status).toBe(409);

    const changed = await api.request('PATCH', `/api/v1/users/${viewer.id}`, {
      token: adminToken,
      body: { password: 'a new viewer password' },
    });
    expect(changed.status).toBe(200);
    const stale = await api.request('GET', '/api/v1/auth/me', { token: viewerToken });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ message: 'the token has been revoked' });
    await api.login('viewer1', 'a new viewer password');
  });

  it('answers invalid input with 400 naming each problem', async () => {
    const cases: Array<[string, string, unknown, string[]]> = [
      [
        'POST',
        '/api/v1/users',
        { username: 'has space', password: 'short', role: 'owner' },
        [
          'username: must be 1-64 characters of a-z 0-9 _ . @ -',
          'password: must be at least 12 characters',
          'role: Invalid option: expected one of "viewer"|"admin"',
        ],
      ],
      ['PATCH', '/api/v1/users/not-a-uuid', { role: 'admin' }, ['id: must be a user id (UUID)']],
      ['GET', '/api/v1/audit?limit=0', undefined, ['limit: Too small: expected number to be >=1']],
      ['GET', '/api/v1/audit?color=blue', undefined, ['(query): Unrecognized key: "color"']],
      [
        'GET',
        '/api/v1/trends/live?minutes=ten',
        undefined,
        ['minutes: Invalid input: expected number, received NaN'],
      ],
      [
        'POST',
        '/api/v1/auth/login',
        { username: '' },
        ['username: is required', 'password: Invalid input: expected string, received undefined'],
      ],
    ];
    for (const [method, path, body, errors] of cases) {
      const response = await api.request(method, path, { token: adminToken, body });
      expect({ path, status: response.status, body: await response.json() }).toEqual({
        path,
        status: 400,
        body: expect.objectContaining({ statusCode: 400, errors }),
      });
    }
  });

  it('refuses socket.io connections without a valid token', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const socket = api.socket(token);
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      expect(error.message).toMatch(/access token is required|invalid or expired/);
    }
    const socket = api.socket(adminToken);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    socket.disconnect();
  });

  it('serves the OpenAPI document and its UI', async () => {
    const ui = await api.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const document = (await (await api.request('GET', '/api/docs-json')).json()) as OpenApiDocument;
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/live/calls', '/api/v1/users/{id}']),
    );
  });

  describe('with a small login limit', () => {
    let limited: TestApi;

    beforeAll(async () => {
      limited = await startApi(nats, databaseUrl, { DASHBOARD_LOGIN_RATE_LIMIT: '3' });
    });

    afterAll(() => limited?.close());

    it('answers 429 once an address has used up its attempts', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const response = await limited.request('POST', '/api/v1/auth/login', {
          body: { username: 'root', password: 'guess number ' + i },
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    });
  });

  describe('while the database is unreachable', () => {
    let cut: TestApi;

    beforeAll(async () => {
      cut = await startApi(
        nats,
        'postgres://postgres@127.0.0.1:1/nowhere',
        {},
        { waitForDatabase: false },
      );
    });

    afterAll(() => cut?.close());

    it('answers 503 (not 500) and reports the database down', async () => {
      const login = await cut.request('POST', '/api/v1/auth/login', { body: ADMIN });
      expect(login.status).toBe(503);
      expect(await login.json()).toMatchObject({
        message: 'the database is unavailable; try again shortly',
      });
      const ready = await cut.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(Object.keys(((await ready.json()) as { error: object }).error)).toEqual(['database']);
    });
  });

  describe('without DASHBOARD_JWT_SECRET', () => {
    let unconfigured: TestApi;

    beforeAll(async () => {
      unconfigured = await startApi(nats, databaseUrl, {
        RUN_MODE: 'development',
        DASHBOARD_JWT_SECRET: undefined,
      });
    });

    it('refuses to start in production, naming the setting', () => {
      expect(() =>
        loadDashboardApiConfig({ env: { NATS_SERVERS: nats.url, DATABASE_URL: databaseUrl } }),
      ).toThrow(/DASHBOARD_JWT_SECRET: is required \(RUN_MODE=development runs without it\)/);
    });

    afterAll(() => unconfigured?.close());

    it('fails closed in development: no login, no token accepted, health still answers', async () => {
      const login = await unconfigured.request('POST', '/api/v1/auth/login', { body: ADMIN });
      expect(login.status).toBe(503);
      expect(
        (await unconfigured.request('GET', '/api/v1/live/calls', { token: adminToken })).status,
      ).toBe(503);
      expect((await unconfigured.request('GET', '/health/live')).status).toBe(200);
    });
  });
});
