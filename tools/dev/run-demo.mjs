// Runs every built service as its own process, as in production, with readable logs prefixed
// by service; waits until each is healthy, prints where to look, and stops them all on Ctrl-C.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsPasswordVariable, natsUsersOf } from './nats-demo-users.mjs';
import { onStopRequest } from './stop-signals.mjs';

const root = join(import.meta.dirname, '../..');
const exitWhenReady = process.argv.includes('--exit-when-ready');
// Every service's log goes to its file; the console shows progress, errors and the banner, or
// everything with --logs.
const logsToConsole = process.argv.includes('--logs');
const logDir = join(root, 'tmp/demo-logs');
const bannerFile = join(root, 'tmp/demo-banner.txt');
const PROBLEM = /\b(ERROR|FATAL|CRITICAL|Traceback)\b/;
// A fresh ARI password per demo run: the simulator and ari-ingest share it, nothing stores it.
const ariPassword = process.env.ARI_PASSWORD ?? randomBytes(12).toString('base64url');
// The dashboard's first admin. dashboard-api creates it only when no user of that name exists,
// so a generated password is kept (tmp/ is gitignored) and stays right for every later demo.
const adminUser = process.env.DASHBOARD_ADMIN_USER ?? 'admin';
const adminPasswordFile = join(root, 'tmp/demo-dashboard-admin-password');
const adminPassword =
  process.env.DASHBOARD_ADMIN_PASSWORD ??
  (existsSync(adminPasswordFile)
    ? readFileSync(adminPasswordFile, 'utf8').trim()
    : randomBytes(12).toString('base64url'));
if (!process.env.DASHBOARD_ADMIN_PASSWORD && !existsSync(adminPasswordFile)) {
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(adminPasswordFile, `${adminPassword}\n`, { mode: 0o600 });
}
/** The simulated VICIdial's database (MariaDB); demo.sh creates it. */
const vicidialDbUrl =
  process.env.VICIDIAL_DB_URL ?? 'mysql://root@127.0.0.1:3306/asb_vicidial_demo';
/**
 * The demo's own NATS, with the users and permissions deployments ship
 * (deploy/k8s/base/nats/nats-server.conf): each service logs in as itself. Passwords per run, a
 * letter then hex digits as nats-server wants them in its environment.
 */
const natsPort = 4223;
const natsConfig = join(root, 'deploy/k8s/base/nats/nats-server.conf');
const natsUsers = natsUsersOf(natsConfig);
const natsPasswords = Object.fromEntries(
  natsUsers.map((user) => [user, `p${randomBytes(16).toString('hex')}`]),
);
const natsLogin = (user) => ({ NATS_USER: user, NATS_PASSWORD: natsPasswords[user] });
const shared = {
  // One machine: the services may fall back to local defaults for what production must be told.
  RUN_MODE: 'development',
  NATS_SERVERS: `nats://127.0.0.1:${natsPort}`,
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/asb',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  LOG_PRETTY: 'true',
  HTTP_HOST: '127.0.0.1',
};

// The example AI backend receives every call through stream-egress; a demo client can also
// connect to stream-egress itself with this token.
const receiverToken = randomBytes(12).toString('base64url');
const egressClientToken = process.env.EGRESS_DEMO_TOKEN ?? randomBytes(12).toString('base64url');

/** Start order: NATS, the PBX and the receivers first, so ari-ingest finds them. */
const services = [
  {
    app: 'nats',
    port: 8223,
    color: 37,
    // The services need NATS to stop well (ari-ingest records its calls as it stops): a Ctrl-C
    // reaches the whole process group at once, so NATS runs in a group of its own and is stopped
    // after every service has exited.
    stopsLast: true,
    health: '/healthz?js-enabled-only=true',
    command: [
      'nats-server',
      ...['-c', natsConfig],
      ...['-a', '127.0.0.1', '-p', String(natsPort), '-m', '8223'],
      ...['-js', '-sd', join(root, 'tmp/demo-nats')],
    ],
    env: Object.fromEntries(
      natsUsers.map((user) => [natsPasswordVariable(user), natsPasswords[user]]),
    ),
  },
  {
    app: 'fastapi-receiver',
    port: 8765,
    color: 90,
    health: '/health',
    command: [
      '/usr/bin/python3',
      join(root, 'examples/fastapi-receiver/main.py'),
      '--port',
      '8765',
      '--recordings',
      join(root, 'tmp/demo-receiver-recordings'),
      // A demo left running must not fill the disk.
      '--max-mb',
      '500',
    ],
    env: { RECEIVER_TOKEN: receiverToken },
  },
  {
    app: 'asterisk-sim',
    port: 8090,
    color: 35,
    env: {
      SIM_SERVERS: 'pbx1:8088',
      SIM_ARI_PASSWORD: ariPassword,
      SIM_VICIDIAL_DB_URL: vicidialDbUrl,
    },
  },
  { app: 'media-gateway', port: 3002, color: 36, env: natsLogin('media-gateway') },
  {
    app: 'call-logger',
    port: 3003,
    color: 33,
    env: {
      ...natsLogin('call-logger'),
      // Bounded like the receiver's: the oldest recordings go once there are 1 GB of them.
      RECORDINGS_DIR: join(root, 'tmp/demo-recordings'),
      RECORDINGS_MAX_TOTAL_MB: '1000',
      RECORDINGS_SWEEP_INTERVAL_MINUTES: '5',
    },
  },
  {
    app: 'ari-ingest',
    port: 3001,
    color: 32,
    env: {
      ...natsLogin('ari-ingest'),
      ARI_SERVERS: 'pbx1=http://127.0.0.1:8088',
      ARI_PASSWORD: ariPassword,
      ARI_APP: 'audio-bridge-demo',
      VICIDIAL_DB_URL: vicidialDbUrl,
    },
  },
  {
    app: 'dashboard-api',
    port: 3000,
    color: 34,
    env: {
      ...natsLogin('dashboard-api'),
      DASHBOARD_STATIC_DIR: join(root, 'dist/apps/dashboard'),
      // Per run: logins end with the demo, nothing stores the key.
      DASHBOARD_JWT_SECRET:
        process.env.DASHBOARD_JWT_SECRET ?? randomBytes(32).toString('base64url'),
      DASHBOARD_ADMIN_USER: adminUser,
      DASHBOARD_ADMIN_PASSWORD: adminPassword,
    },
  },
  {
    app: 'stream-egress',
    port: 3004,
    color: 31,
    env: {
      ...natsLogin('stream-egress'),
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'example-backend',
          match: { all: true },
          // The demo's receiver runs on this host: no network to encrypt.
          targets: [
            {
              url: 'ws://127.0.0.1:8765/media-stream',
              // The receiver files media by media.track: both tracks are safe for it.
              tracks: ['caller', 'agent'],
              bearerTokenEnv: 'RECEIVER_TOKEN',
              allowPlainWs: true,
            },
          ],
        },
      ]),
      RECEIVER_TOKEN: receiverToken,
      EGRESS_INBOUND_TOKENS: `demo=${egressClientToken}`,
    },
  },
];

const children = [];
let stopping = false;

function prefix(service, text) {
  const tag = `\x1b[${service.color}m${service.app.padEnd(13)}\x1b[0m│ `;
  return text.replace(/\n(?=.)/g, `\n${tag}`).replace(/^/, tag);
}

/** A service's output: all of it to its log file, to the console all or only its problems. */
function follow(service, stream, console) {
  const file = createWriteStream(join(logDir, `${service.app}.log`), { flags: 'a' });
  stream.on('data', (chunk) => {
    file.write(chunk);
    const text = chunk.toString();
    if (logsToConsole) console.write(prefix(service, text));
    else {
      const problems = text.split('\n').filter((line) => PROBLEM.test(line));
      if (problems.length > 0) console.write(prefix(service, `${problems.join('\n')}\n`));
    }
  });
}

function start(service) {
  const main = join(root, 'dist/apps', service.app, 'main.js');
  if (!service.command && !existsSync(main))
    throw new Error(`${main} is missing: run npx nx run-many -t build`);
  const [command, ...args] = service.command ?? [process.execPath, '--enable-source-maps', main];
  const child = spawn(command, args, {
    env: { ...process.env, ...shared, HTTP_PORT: String(service.port), ...(service.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: service.stopsLast === true,
  });
  follow(service, child.stdout, process.stdout);
  follow(service, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n[demo] ${service.app} exited (${signal ?? code}); stopping the demo`);
      void stopAll(1);
    }
  });
  children.push({ service, child });
}

async function waitHealthy(service, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(
        `http://127.0.0.1:${service.port}${service.health ?? '/health/ready'}`,
      );
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${service.app} was not ready within ${timeoutMs / 1000} s`);
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log(`\n[demo] stopping every service (logs in ${logDir}; passwords in ${bannerFile})`);
  const stop = (list) =>
    Promise.all(
      list.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
  await stop(children.filter(({ service }) => !service.stopsLast));
  await stop(children.filter(({ service }) => service.stopsLast));
  process.exit(code);
}

// Whatever ends this process, nothing it started may outlive it (NATS is in a group of its own).
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
});

onStopRequest((why) => {
  console.log(`\n[demo] ${why}`);
  void stopAll(0);
});

mkdirSync(logDir, { recursive: true });
for (const service of services) writeFileSync(join(logDir, `${service.app}.log`), '');
console.log(`[demo] starting ${services.length} processes; their logs are in ${logDir}`);
try {
  for (const service of services) {
    const startedAt = Date.now();
    start(service);
    await waitHealthy(service);
    console.log(`[demo] ${service.app} ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  }
} catch (error) {
  console.error(`[demo] ${error.message}`);
  await stopAll(1);
}

// A steady stream of simulated VICIdial calls, so there is live audio to watch from the start.
const concurrentCalls = Number(process.env.DEMO_CALLS ?? 20);
const scenario = await fetch('http://127.0.0.1:8090/sim/scenarios', {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from(`asterisk:${ariPassword}`).toString('base64')}`,
    'content-type': 'application/json',
  },
  body: JSON.stringify({
    totalCalls: 1_000_000,
    concurrency: concurrentCalls,
    // An agent per call and some for transfers: VICIdial never sends a busy agent a call.
    agentsPerServer: Math.ceil(concurrentCalls * 1.2),
    arrivalRate: Math.max(0.5, concurrentCalls / 20),
    talkMs: { min: 10_000, max: 40_000 },
    // Some calls are sent on to an in-group mid-call or parked a moment: their page shows who
    // had them from when.
    transferRatio: 0.1,
    parkRatio: 0.1,
    // One call in ten has one side's audio broken on purpose, so the dashboard shows what its
    // audio verdicts look like (silence and clipping most, format mistakes now and then).
    audioDefects: { silence: 0.03, clipped: 0.03, byte_swapped: 0.02, ulaw_as_alaw: 0.02 },
  }),
}).then((response) => response.json());

const banner = `
\x1b[1mAudio Streaming Bridge demo is running\x1b[0m
  simulated calls   up to ${concurrentCalls} at once (DEMO_CALLS), scenario ${scenario.id},
                    each with its campaign, agent and disposition from the simulated VICIdial's database (${vicidialDbUrl})
  live audio        nats -s nats://127.0.0.1:${natsPort} --user ai-consumer --password ${natsPasswords['ai-consumer']} sub 'audio.v1.>'
                    (call events: 'call.v1.>', stream health: 'stats.v1.>'; each service has its own NATS user)
  dashboard         http://127.0.0.1:3000/  (user ${adminUser}, password ${adminPassword}; API docs /api/docs)
  AI backends       every call streams to the example FastAPI receiver (WAVs in tmp/demo-receiver-recordings);
                    AI clients: ws://127.0.0.1:3004/v1/streams with 'Authorization: Bearer ${egressClientToken}'
  simulated ARI     http://127.0.0.1:8088/ari  (user asterisk, password ${ariPassword})
  simulator control http://127.0.0.1:8090/sim/servers  (same credentials)
  health / metrics  http://127.0.0.1:<port>/health/ready, /metrics  (ports ${services.map((s) => `${s.app} ${s.port}`).join(', ')})
  service logs      ${logDir} (or run with --logs to see them here)
Ctrl-C stops everything.
`;
// It holds passwords: readable by this user only. Shown again when the demo stops.
writeFileSync(bannerFile, banner.replace(/\x1b\[[0-9;]*m/g, ''), { mode: 0o600 });
console.log(banner);
console.log(`[demo] this is also in ${bannerFile}; a line a minute follows on the calls`);
if (exitWhenReady) await stopAll(0);

/** One line a minute, so the console says the demo is alive without burying the banner. */
setInterval(async () => {
  const at = new Date().toLocaleTimeString();
  try {
    const status = await fetch(`http://127.0.0.1:8090/sim/scenarios/${scenario.id}`, {
      headers: {
        authorization: `Basic ${Buffer.from(`asterisk:${ariPassword}`).toString('base64')}`,
      },
    }).then((response) => response.json());
    console.log(`[demo] ${at}: ${status.placed} calls placed, ${status.active} in progress`);
  } catch (error) {
    console.log(`[demo] ${at}: the simulator does not answer (${error.message})`);
  }
}, 60_000).unref();
