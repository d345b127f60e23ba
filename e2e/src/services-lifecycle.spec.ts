import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:net';
import { ensureDatabase, freePort } from '@asb/testing';
import { ServiceProcess } from './support/service-process';
import { NATS_URL, WORKSPACE_ROOT } from './support/workspace';

/** What each service must report ready on, given real NATS and PostgreSQL. */
const SERVICES: Array<{
  app: string;
  ready: string[];
  database?: boolean;
  simulator?: boolean;
  /** Needs an Asterisk to talk to: a simulator process is started for it. */
  asterisk?: boolean;
  /** Further settings it needs in production. */
  env?: Record<string, string>;
}> = [
  { app: 'ari-ingest', ready: ['nats', 'jetstream', 'ari'], asterisk: true },
  { app: 'media-gateway', ready: ['nats'] },
  { app: 'call-logger', ready: ['nats', 'jetstream', 'database'], database: true },
  {
    app: 'dashboard-api',
    ready: ['nats', 'database'],
    database: true,
    env: { DASHBOARD_JWT_SECRET: randomBytes(32).toString('base64url') },
  },
  { app: 'asterisk-sim', ready: [], simulator: true },
];

describe.each(SERVICES)(
  '$app as a process',
  ({ app, ready, database, simulator, asterisk, env: needs }) => {
    const processes: ServiceProcess[] = [];

    afterAll(() => processes.forEach((p) => p.kill()));

    it('boots, answers health and /metrics, and stops cleanly within 5 s of SIGTERM', async () => {
      const env: Record<string, string> = {
        HTTP_PORT: String(await freePort()),
        NATS_SERVERS: NATS_URL,
        ...needs,
      };
      if (database) env['DATABASE_URL'] = await ensureDatabase('asb_e2e');
      if (simulator)
        Object.assign(env, {
          SIM_SERVERS: `pbx1:${await freePort()}`,
          SIM_ARI_PASSWORD: 'e2e-only',
        });
      if (asterisk) {
        const ariPort = await freePort();
        const pbx = new ServiceProcess('asterisk-sim', {
          HTTP_PORT: String(await freePort()),
          SIM_SERVERS: `pbx1:${ariPort}`,
          SIM_ARI_PASSWORD: 'e2e-only',
        }).start();
        processes.push(pbx);
        await pbx.waitFor('/health/ready');
        Object.assign(env, {
          ARI_SERVERS: `pbx1=http://127.0.0.1:${ariPort}`,
          ARI_PASSWORD: 'e2e-only',
          ARI_APP: `lifecycle${ariPort}`,
        });
      }
      const service = new ServiceProcess(app, env).start();
      processes.push(service);

      const live = await service.waitFor('/health/live');
      expect(await live.json()).toMatchObject({ status: 'ok' });

      const readiness = (await (await service.waitFor('/health/ready')).json()) as {
        info: Record<string, { status: string }>;
      };
      expect(Object.keys(readiness.info).sort()).toEqual([...ready].sort());

      const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
      expect(metrics).toContain(`process_cpu_seconds_total{service="${app}"}`);

      const exit = await service.stop('SIGTERM');
      expect({ code: exit.code, fast: exit.stopMs < 5000 }).toEqual({ code: 0, fast: true });
      expect(service.stderr.join('')).not.toMatch(/"level":(50|60)/);
    });

    it('refuses to start on a bad setting, naming the variable, with exit status 78', async () => {
      const service = new ServiceProcess(app, { HTTP_PORT: 'eighty', LOG_LEVEL: 'loud' }).start();
      processes.push(service);
      const exit = await service.exit();
      expect(exit.code).toBe(78);
      const stderr = service.stderr.join('');
      expect(stderr).toMatch(/HTTP_PORT: must be an integer, got "eighty"/);
      expect(stderr).toMatch(/LOG_LEVEL: must be one of/);
    });
  },
);

/** A start that fails must end the process soon after, not leave it running half-started. */
async function exitWithin(
  service: ServiceProcess,
  ms: number,
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${service.app} still running after ${ms} ms\n${service.logs()}`)),
      ms,
    );
  });
  try {
    const exit = await Promise.race([service.exit(), timeout]);
    return { code: exit.code, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

describe('a service that cannot start', () => {
  const processes: ServiceProcess[] = [];
  let holder: Server | undefined;

  afterAll(async () => {
    processes.forEach((p) => p.kill());
    await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)));
  });

  it('exits with status 1 at once, naming the port, when HTTP_PORT is taken', async () => {
    const port = await freePort();
    const server = createServer();
    holder = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const service = new ServiceProcess('media-gateway', {
      HTTP_PORT: String(port),
      NATS_SERVERS: NATS_URL,
    }).start();
    processes.push(service);
    const exit = await exitWithin(service, 15_000);
    expect(exit.code).toBe(1);
    expect(service.stderr.join('')).toContain(`media-gateway: HTTP_PORT ${port} is already in use`);
  });

  it('exits with status 78 in production, naming each setting it needs and was not given', async () => {
    const service = new ServiceProcess('dashboard-api', {
      HTTP_PORT: String(await freePort()),
    }).start();
    processes.push(service);
    const exit = await exitWithin(service, 15_000);
    expect(exit.code).toBe(78);
    const stderr = service.stderr.join('');
    for (const variable of ['NATS_SERVERS', 'DATABASE_URL', 'DASHBOARD_JWT_SECRET']) {
      expect(stderr).toMatch(new RegExp(`${variable}: is required \\(RUN_MODE=development`));
    }
  });

  it('exits with status 78, naming ARI_PASSWORD, when no ARI password is given', async () => {
    const service = new ServiceProcess('ari-ingest', {
      HTTP_PORT: String(await freePort()),
      NATS_SERVERS: NATS_URL,
      ARI_SERVERS: `pbx1=http://127.0.0.1:${await freePort()}`,
    }).start();
    processes.push(service);
    const exit = await exitWithin(service, 15_000);
    expect(exit.code).toBe(78);
    expect(service.stderr.join('')).toMatch(/ARI_PASSWORD: must be set/);
  });
});

describe('dashboard-api serving the built dashboard', () => {
  let service: ServiceProcess | undefined;

  afterAll(() => service?.kill());

  it('serves the dashboard at / and keeps health reachable', async () => {
    service = new ServiceProcess('dashboard-api', {
      HTTP_PORT: String(await freePort()),
      NATS_SERVERS: NATS_URL,
      DATABASE_URL: await ensureDatabase('asb_e2e'),
      DASHBOARD_JWT_SECRET: randomBytes(32).toString('base64url'),
      DASHBOARD_STATIC_DIR: `${WORKSPACE_ROOT}/dist/apps/dashboard`,
    }).start();
    const page = await service.waitFor('/');
    expect(await page.text()).toContain('<div id="root"></div>');
    await service.waitFor('/health/live');
    expect((await service.stop()).code).toBe(0);
  });
});
