/**
 * dashboard-api under the load the issue names: 2,000 live calls (each with two tapped tracks
 * sampled once a second, and calls ending and being replaced all the time) and 20 connected
 * dashboards. Measured: how long after an event on NATS the dashboards have it (call changes,
 * and stream health, which is throttled to one update per stream per second by design), the
 * REST API's latency (p50/p99) while that goes on, and dashboard-api's CPU. The baseline is the
 * same service in the same run with 20 calls and one dashboard; the ratios compare the two.
 *
 * dashboard-api runs as its built process (dist/apps/dashboard-api) on a private nats-server
 * and its own database (20,000 call records for the history queries); the synthetic events are
 * published here, the dashboards run in a child process.
 *
 *   npx nx run dashboard-api:bench        (BENCH_SECONDS=20 BENCH_CALLS=2000 BENCH_DASHBOARDS=20)
 */
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, JetStreamClient, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import {
  CALL_RECORD_ENTITIES,
  CALL_RECORD_MIGRATIONS,
  CALL_RECORDS_MIGRATIONS_TABLE,
} from '@asb/call-records';
import { callEventsStreamEnv, loadConfig } from '@asb/config';
import {
  CallEvent,
  encodeCallEvent,
  randomEventId,
  SCHEMA_VERSION,
  STREAM_STATS_MAX_BYTES,
  statsSubject,
  streamStatsSchema,
} from '@asb/contracts';
import { provisionCallEventsStream, publishJson } from '@asb/nats';
import { freePort, freshDatabase, NatsTestServer, benchMachine } from '@asb/testing';
import { LatencySummary, summarizeLatencies } from './latency-summary';

const ROOT = join(__dirname, '../../..');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const CALLS = Number(process.env['BENCH_CALLS'] ?? 2000);
const DASHBOARDS = Number(process.env['BENCH_DASHBOARDS'] ?? 20);
const HISTORY_ROWS = 20_000;
// Made per run: the benchmark's own user in its own throwaway database.
const ADMIN = { username: 'bench', password: randomBytes(18).toString('base64url') };
const TICK_MS = 100;
const API_REQUESTS_PER_SECOND = 10;
const TRACKS = ['caller', 'agent'] as const;
const CAMPAIGNS = ['SALES', 'SUPPORT', 'RENEWALS'];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A private database with the call records schema and a day of history in it. */
async function prepareDatabase(): Promise<string> {
  const url = await freshDatabase('asb_bench_dashboard');
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: CALL_RECORD_ENTITIES,
    migrations: CALL_RECORD_MIGRATIONS,
    migrationsTableName: CALL_RECORDS_MIGRATIONS_TABLE,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query(
    `INSERT INTO calls (call_id, conversation_id, server, channel_id, channel_name, direction, caller_number,
        callee_number, lead_id, campaign, agent, state, started_at, answered_at, ended_at,
        duration_ms, talk_ms, hangup_cause, hangup_cause_text, tapped, event_count, last_event_at)
     SELECT 'hist-' || i, 'hist-' || i, 'pbx1', '1732451234.' || i, 'SIP/trunk-' || i, 'outbound',
        '312555' || lpad((i % 10000)::text, 4, '0'), '5550000', 100000 + i,
        (ARRAY['SALES','SUPPORT','RENEWALS'])[1 + i % 3], 'agent' || (i % 50), 'ended',
        now() - (i * interval '4 seconds'), now() - (i * interval '4 seconds') + interval '5 seconds',
        now() - (i * interval '4 seconds') + interval '95 seconds', 95000,
        CASE WHEN i % 4 = 0 THEN NULL ELSE 90000 END, 16, 'Normal Clearing', true, 7,
        now() - (i * interval '4 seconds') + interval '95 seconds'
       FROM generate_series(1, $1) AS i`,
    [HISTORY_ROWS],
  );
  await dataSource.destroy();
  return url;
}

/** Calls that start, get answered and tapped, send health samples and end, on NATS. */
class SyntheticCallCenter {
  private readonly js: JetStreamClient;
  /** Each call samples in its own tenth of the second (its slot), like a gateway's one timer. */
  private readonly live = new Map<string, { endsAt: number; packets: number; slot: number }>();
  private serial = 0;
  private timer?: NodeJS.Timeout;
  private tick = 0;
  eventsPublished = 0;
  statsPublished = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly target: number,
    /** Call lengths, ms: calls end and are replaced throughout the run. */
    private readonly lengthMs: [number, number],
  ) {
    this.js = nc.jetstream();
  }

  private event(callId: string, fields: Record<string, unknown>): CallEvent {
    return {
      schemaVersion: SCHEMA_VERSION,
      eventId: randomEventId(),
      occurredAt: new Date().toISOString(),
      callId,
      server: 'pbx1',
      channelId: '1732451234.1',
      channelName: `SIP/trunk-${callId}`,
      ...fields,
    } as CallEvent;
  }

  private async publish(events: CallEvent[]): Promise<void> {
    await Promise.all(
      events.map((event) => {
        const { subject, data } = encodeCallEvent(event);
        this.eventsPublished += 1;
        return this.js.publish(subject, data, { msgID: event.eventId });
      }),
    );
  }

  /** `remainingMs` undefined: a new call of a random length; else what is left of one in progress. */
  private async startCall(remainingMs?: number): Promise<void> {
    this.serial += 1;
    const callId = `bench-${this.serial}`;
    const [min, max] = this.lengthMs;
    const lengthMs = remainingMs ?? min + Math.random() * (max - min);
    this.live.set(callId, { endsAt: Date.now() + lengthMs, packets: 0, slot: this.serial % 10 });
    const vicidial = {
      callCode: 'V1124150300000012345',
      callType: 'V',
      leadId: 500000 + this.serial,
      campaign: CAMPAIGNS[this.serial % CAMPAIGNS.length],
      agent: `agent${this.serial % 50}`,
    };
    await this.publish([
      this.event(callId, {
        event: 'started',
        direction: 'outbound',
        channelState: 'Ring',
        callerNumber: `312555${String(this.serial % 10000).padStart(4, '0')}`,
        calleeNumber: '5550000',
        vicidial,
      }),
      this.event(callId, { event: 'answered', vicidial }),
      ...TRACKS.map((track) =>
        this.event(callId, {
          event: 'tap_started',
          track,
          codec: 'ulaw',
          sampleRate: 8000,
          gateway: { gatewayId: 'gw1', host: '127.0.0.1', port: 40000 },
          snoopChannelId: `asb-s-${callId}-${track}`,
          externalMediaChannelId: `asb-e-${callId}-${track}`,
          bridgeId: `asb-b-${callId}-${track}`,
        }),
      ),
    ]);
  }

  private async endCall(callId: string): Promise<void> {
    this.live.delete(callId);
    await this.publish([
      ...TRACKS.map((track) =>
        this.event(callId, { event: 'tap_stopped', track, reason: 'call_ended' }),
      ),
      this.event(callId, { event: 'ended', cause: 16, causeText: 'Normal Clearing' }),
    ]);
  }

  /**
   * Places calls up to the target, `perTick` at a time so JetStream keeps up. Their remaining
   * lengths are spread as in a call center that has been running a while, so calls end (and
   * are replaced) at the steady rate from the start: target / mean length per second.
   */
  async fill(perTick = 200): Promise<void> {
    while (this.live.size < this.target) {
      const batch = Math.min(perTick, this.target - this.live.size);
      await Promise.all(
        Array.from({ length: batch }, () => this.startCall(Math.random() * this.lengthMs[1])),
      );
    }
  }

  /** Every tick: a tenth of the streams sample (each once a second), ended calls are replaced. */
  run(): void {
    this.timer = setInterval(() => {
      this.tick = (this.tick + 1) % 10;
      const now = Date.now();
      const sampledAt = new Date(now).toISOString();
      const ending: string[] = [];
      for (const [callId, call] of this.live) {
        if (call.endsAt <= now) ending.push(callId);
        if (call.slot !== this.tick) continue;
        call.packets += 50;
        for (const track of TRACKS) {
          publishJson(
            this.nc,
            statsSubject(callId, track),
            streamStatsSchema,
            {
              schemaVersion: SCHEMA_VERSION,
              callId,
              track,
              gatewayId: 'gw1',
              codec: 'ulaw',
              sampleRate: 8000,
              sampledAt,
              packets: call.packets,
              bytes: call.packets * 160,
              lost: 0,
              duplicates: 0,
              reordered: 0,
              late: 0,
              rejected: 0,
              jitterMs: 1 + Math.random() * 3,
              lastPacketAgeMs: 20,
              levelDbfs: -30 + Math.random() * 15,
              stalled: false,
            },
            STREAM_STATS_MAX_BYTES,
          );
          this.statsPublished += 1;
        }
      }
      void Promise.all(ending.map((callId) => this.endCall(callId))).then(() =>
        Promise.all(ending.map(() => this.startCall())),
      );
    }, TICK_MS);
  }

  /** Stops sampling and ends every call, so the next phase starts from an empty live view. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.live.keys()].map((callId) => this.endCall(callId)));
  }
}

/** The dashboards, in their own process. */
class Dashboards {
  private readonly child: ChildProcess = fork(join(__dirname, 'dashboard-clients.ts'), [], {
    execArgv: ['-r', '@swc-node/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  ask<T>(message: object, reply: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (answer: { type: string; error?: string }) => {
        if (answer.type === 'failed') reject(new Error(answer.error));
        if (answer.type !== reply) return;
        this.child.off('message', onMessage);
        resolve(answer as T);
      };
      this.child.on('message', onMessage);
      this.child.send(message);
    });
  }

  kill(): void {
    this.child.kill();
  }
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return Math.round((pages * 4096) / 1024 / 1024);
}

const PROBES = [
  '/api/v1/summary?hours=24',
  '/api/v1/calls?limit=50',
  '/api/v1/calls?campaign=SUPPORT&state=ended&limit=50',
  '/api/v1/calls?number=3125551&sort=-durationMs&limit=50',
  '/api/v1/live/calls',
];

/**
 * REST requests at a fixed rate for `ms` (the endpoints in turn), as 20 dashboards refreshing
 * their pages would make them; a fixed rate, not back to back, so a slow answer cannot hide the
 * ones that would have queued behind it, and the CPU of both phases compares.
 */
async function probeApi(baseUrl: string, token: string, ms: number) {
  const latencies = new Map<string, number[]>(PROBES.map((path) => [path, []]));
  const requests: Array<Promise<void>> = [];
  let failures = 0;
  for (let i = 0; i < (ms / 1000) * API_REQUESTS_PER_SECOND; i += 1) {
    const path = PROBES[i % PROBES.length];
    const started = performance.now();
    requests.push(
      fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } }).then(
        async (response) => {
          await response.arrayBuffer();
          if (!response.ok) failures += 1;
          latencies.get(path)?.push(performance.now() - started);
        },
      ),
    );
    await sleep(1000 / API_REQUESTS_PER_SECOND);
  }
  await Promise.all(requests);
  const all = [...latencies.values()].flat();
  return {
    failures,
    overall: summarizeLatencies(all),
    byEndpoint: Object.fromEntries(
      [...latencies].map(([path, values]) => [path, summarizeLatencies(values)]),
    ),
  };
}

interface PhaseResult {
  phase: string;
  liveCalls: number;
  dashboards: number;
  eventsPerSecond: number;
  statsPerSecond: number;
  callEventToDashboard: LatencySummary;
  healthToDashboard: LatencySummary;
  api: Awaited<ReturnType<typeof probeApi>>;
  apiCpuPercent: number;
  apiRssMiB: number;
}

async function phase(
  name: string,
  calls: number,
  dashboards: number,
  lengthMs: [number, number],
  context: { nc: NatsConnection; baseUrl: string; token: string; pid: number },
): Promise<PhaseResult> {
  const center = new SyntheticCallCenter(context.nc, calls, lengthMs);
  await center.fill();
  center.run();
  const clients = new Dashboards();
  try {
    await clients.ask(
      { type: 'start', url: `${context.baseUrl}/live`, token: context.token, count: dashboards },
      'started',
    );
    await sleep(3000);
    await clients.ask({ type: 'reset' }, 'reset');
    const before = {
      cpu: cpuSeconds(context.pid),
      events: center.eventsPublished,
      stats: center.statsPublished,
    };
    const started = performance.now();
    const api = await probeApi(context.baseUrl, context.token, SECONDS * 1000);
    const elapsed = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(context.pid) - before.cpu;
    const delays = await clients.ask<{ calls: LatencySummary; health: LatencySummary }>(
      { type: 'collect' },
      'collected',
    );
    await clients.ask({ type: 'stop' }, 'stopped');
    return {
      phase: name,
      liveCalls: calls,
      dashboards,
      eventsPerSecond: Math.round((center.eventsPublished - before.events) / elapsed),
      statsPerSecond: Math.round((center.statsPublished - before.stats) / elapsed),
      callEventToDashboard: delays.calls,
      healthToDashboard: delays.health,
      api,
      apiCpuPercent: Math.round((cpu / elapsed) * 100),
      apiRssMiB: rssMiB(context.pid),
    };
  } finally {
    await center.stop();
    clients.kill();
    await sleep(500);
  }
}

/**
 * Logs in as soon as dashboard-api can: its readiness turns green once the database answers,
 * which can be before its migrations and the initial admin are in place.
 */
async function login(baseUrl: string): Promise<string> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    }).catch(() => undefined);
    if (response?.ok) return ((await response.json()) as { accessToken: string }).accessToken;
    await sleep(200);
  }
  throw new Error(
    'cannot log in to dashboard-api (build it first: npx nx run dashboard-api:build)',
  );
}

async function main(): Promise<void> {
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const nc = await connect({ servers: nats.url });
  await provisionCallEventsStream(
    await nc.jetstreamManager(),
    loadConfig(callEventsStreamEnv, { env: {} }),
  );
  const databaseUrl = await prepareDatabase();
  const port = await freePort();
  const service = spawn(process.execPath, [join(ROOT, 'dist/apps/dashboard-api/main.js')], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      NATS_SERVERS: nats.url,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      // A fresh signing key per run.
      DASHBOARD_JWT_SECRET: randomBytes(32).toString('base64url'),
      DASHBOARD_ADMIN_USER: ADMIN.username,
      DASHBOARD_ADMIN_PASSWORD: ADMIN.password,
      DASHBOARD_LIVE_REPLAY_MINUTES: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    const token = await login(baseUrl);
    const context = { nc, baseUrl, token, pid: service.pid as number };
    // Baseline calls are short, so its few calls still give enough events to measure.
    const baseline = await phase('baseline', 20, 1, [5000, 15_000], context);
    const load = await phase('load', CALLS, DASHBOARDS, [60_000, 180_000], context);
    const rows = [baseline, load].map((r) => ({
      phase: r.phase,
      'live calls': r.liveCalls,
      dashboards: r.dashboards,
      'events/s': r.eventsPerSecond,
      'stats/s': r.statsPerSecond,
      'event→dashboard p50/p99 ms': `${r.callEventToDashboard.p50} / ${r.callEventToDashboard.p99}`,
      'health→dashboard p50/p99 ms': `${r.healthToDashboard.p50} / ${r.healthToDashboard.p99}`,
      'API p50/p99 ms': `${r.api.overall.p50} / ${r.api.overall.p99}`,
      'call events measured': r.callEventToDashboard.count,
      'api CPU %': r.apiCpuPercent,
      'RSS MiB': r.apiRssMiB,
    }));
    console.table(rows);
    console.table(
      PROBES.map((path) => ({
        endpoint: path,
        'baseline p50/p99 ms': `${baseline.api.byEndpoint[path].p50} / ${baseline.api.byEndpoint[path].p99}`,
        'load p50/p99 ms': `${load.api.byEndpoint[path].p50} / ${load.api.byEndpoint[path].p99}`,
      })),
    );
    const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 0.1)) * 100) / 100;
    const ratios = {
      eventToDashboardP99: ratio(load.callEventToDashboard.p99, baseline.callEventToDashboard.p99),
      healthToDashboardP99: ratio(load.healthToDashboard.p99, baseline.healthToDashboard.p99),
      apiP99: ratio(load.api.overall.p99, baseline.api.overall.p99),
      apiCpu: ratio(load.apiCpuPercent, baseline.apiCpuPercent),
    };
    console.table([{ 'load / baseline': 'ratio', ...ratios }]);
    const machine = benchMachine();
    const results = join(ROOT, 'bench/results');
    mkdirSync(results, { recursive: true });
    writeFileSync(
      join(results, 'dashboard-load.json'),
      `${JSON.stringify(
        {
          benchmark: 'dashboard-api with live calls and connected dashboards',
          date: new Date().toISOString(),
          machine,
          seconds: SECONDS,
          historyRows: HISTORY_ROWS,
          notes:
            'event→dashboard: NATS publish to the socket.io message in a dashboard client (the React app renders it on the next animation frame); health is throttled to one update per stream per second by design',
          phases: [baseline, load],
          ratios,
        },
        null,
        2,
      )}\n`,
    );
    console.log(
      `results written to bench/results/dashboard-load.json (${machine.cores} x ${machine.cpu})`,
    );
  } finally {
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
    await nc.close();
    await nats.dispose();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
