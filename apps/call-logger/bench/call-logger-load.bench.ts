/**
 * What call-logger sustains. The built service runs as its own process against a private
 * nats-server and a fresh database on the local PostgreSQL, as in production.
 *
 * 1. Sustained: 2,000 concurrent calls (arrivals and ends at the rate that keeps 2,000 up, each
 *    call's 7 lifecycle events on JetStream with occurredAt = publish time) and a stats sample per
 *    track per second (4,000 samples/s, all kept: STATS_SAMPLE_INTERVAL_MS=1000). Reported: events
 *    and samples written per second, and the lag from an event (sample) to its row, read from the
 *    rows themselves (recorded_at − occurred_at) and from the logger's commit-time histogram.
 * 2. Drain: a backlog of call events published while the logger is stopped, written as fast as it
 *    can; compared with the baseline, raw multi-row INSERTs of the same rows into a bare copy of
 *    call_events (no NATS, no acks, no projection of calls and streams).
 *
 *   npx nx run call-logger:bench        (BENCH_SECONDS=40 BENCH_CALLS=2000 BENCH_BACKLOG_CALLS=4000)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, JetStreamClient, NatsConnection, PubAck } from 'nats';
import { Client } from 'pg';
import { CallEvent, encodeCallEvent, statsSubject } from '@asb/contracts';
import { freePort, NatsTestServer, benchMachine } from '@asb/testing';
import {
  CallScript,
  dropDatabase,
  freshDatabase,
  statsSample,
} from '../src/__tests__/call-logger-harness';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 40);
const CALLS = Number(process.env['BENCH_CALLS'] ?? 2000);
const BACKLOG_CALLS = Number(process.env['BENCH_BACKLOG_CALLS'] ?? 4000);
const WARMUP_SECONDS = 10;
const CALL_SECONDS = { min: 20, max: 40 };
const ROOT = join(__dirname, '../../..');
const RESULTS = join(ROOT, 'bench/results');
const DATABASE = `asb_bench_call_logger_${process.pid}`;
const EVENTS_PER_CALL = 7;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes call events with many acknowledgements outstanding, as a busy ari-ingest does. */
class EventPublisher {
  private inFlight = new Set<Promise<PubAck>>();
  constructor(private readonly js: JetStreamClient) {}

  async publish(event: CallEvent): Promise<void> {
    const { subject, data } = encodeCallEvent(event);
    const ack = this.js.publish(subject, data, { msgID: event.eventId });
    this.inFlight.add(ack);
    void ack.finally(() => this.inFlight.delete(ack));
    if (this.inFlight.size >= 512) await Promise.race(this.inFlight);
  }

  async settle(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}

interface SimulatedCall {
  script: CallScript;
  startAt: number;
  durationMs: number;
  next: number;
}

/** The event a call emits at each step, stamped with the time it is published. */
function stepEvent(call: SimulatedCall, step: number, now: number): CallEvent {
  const s = call.script;
  switch (step) {
    case 0:
      return s.started(now);
    case 1:
      return s.answered(now);
    case 2:
      return s.tapStarted('caller', now);
    case 3:
      return s.tapStarted('agent', now);
    case 4:
      return s.tapStopped('caller', now);
    case 5:
      return s.tapStopped('agent', now);
    default:
      return s.ended(now);
  }
}

/** When, after the call's start, each step happens. */
function stepOffset(call: SimulatedCall, step: number): number {
  return [0, 1000, 1100, 1150, call.durationMs - 100, call.durationMs - 80, call.durationMs][step];
}

class LoggerProcess {
  private child?: ChildProcess;
  readonly logs: string[] = [];

  constructor(private readonly env: Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.env['HTTP_PORT']}`;
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [join(ROOT, 'dist/apps/call-logger/main.js')], {
      env: { PATH: process.env['PATH'] ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => this.logs.push(chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ready = await fetch(`${this.url}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await sleep(100);
    }
    throw new Error(`call-logger did not become ready:\n${this.logs.join('')}`);
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    return exited;
  }
}

/** Share of the observations of a Prometheus histogram at or under `le`. */
function histogramShare(metrics: string, name: string, le: string): number {
  const value = (suffix: string) => {
    const line = metrics.split('\n').find((l) => l.startsWith(`${name}${suffix}`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  const total = value('_count');
  return total ? value(`_bucket{le="${le}"`) / total : 0;
}

async function sustained(nc: NatsConnection, db: Client, logger: LoggerProcess) {
  const publisher = new EventPublisher(nc.jetstream());
  const meanMs = ((CALL_SECONDS.min + CALL_SECONDS.max) / 2) * 1000;
  const arrivalsPerSecond = CALLS / (meanMs / 1000);
  const active: SimulatedCall[] = [];
  const began = Date.now();
  const end = began + SECONDS * 1000;
  let placed = 0;
  let nextArrival = began;
  let nextStats = began + 1000;
  let statsPublishedInWindow = 0;
  let statsPublished = 0;
  const windowStartMs = began + WARMUP_SECONDS * 1000;
  const newCall = (startAt: number): SimulatedCall => ({
    script: new CallScript(undefined, 'pbx1'),
    startAt,
    durationMs: (CALL_SECONDS.min + Math.random() * (CALL_SECONDS.max - CALL_SECONDS.min)) * 1000,
    next: 0,
  });
  // The run starts in the steady state: CALLS calls already up, each as far into its call as a
  // call seen at a random moment is (durations drawn by length, a uniform share of each elapsed).
  for (let i = 0; i < CALLS; i += 1) {
    const [min, max] = [CALL_SECONDS.min * 1000, CALL_SECONDS.max * 1000];
    const durationMs = Math.sqrt(Math.random() * (max * max - min * min) + min * min);
    const remainingMs = Math.random() * durationMs;
    const call = newCall(began + (i * 5000) / CALLS);
    call.durationMs = Math.max(remainingMs, 1500);
    active.push(call);
    placed += 1;
  }
  while (Date.now() < end) {
    const now = Date.now();
    while (nextArrival <= now) {
      active.push(newCall(nextArrival));
      placed += 1;
      nextArrival += 1000 / arrivalsPerSecond;
    }
    for (let i = 0; i < active.length; i += 1) {
      const call = active[i];
      while (call.next < EVENTS_PER_CALL && call.startAt + stepOffset(call, call.next) <= now) {
        await publisher.publish(stepEvent(call, call.next, Date.now()));
        call.next += 1;
      }
    }
    if (now >= nextStats) {
      const sampledAt = Date.now();
      for (const call of active) {
        if (call.next !== 4) continue;
        for (const track of ['caller', 'agent'] as const) {
          const sample = statsSample(call.script.callId, track, sampledAt, {
            packets: Math.round((sampledAt - call.startAt) / 20),
          });
          nc.publish(statsSubject(call.script.callId, track), JSON.stringify(sample));
          statsPublished += 1;
          if (sampledAt >= windowStartMs) statsPublishedInWindow += 1;
        }
      }
      nextStats += 1000;
    }
    for (let i = active.length - 1; i >= 0; i -= 1) {
      if (active[i].next >= EVENTS_PER_CALL) active.splice(i, 1);
    }
    await sleep(20);
  }
  await publisher.settle();
  const windowStart = new Date(windowStartMs);
  const windowEnd = new Date(end);
  const windowSeconds = (windowEnd.getTime() - windowStart.getTime()) / 1000;
  await sleep(3000);

  const lagOf = async (table: string, at: string) => {
    const { rows } = await db.query(
      `SELECT count(*)::int AS rows,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at - ${at})) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM recorded_at - ${at})) AS p99,
              max(extract(epoch FROM recorded_at - ${at})) AS max
       FROM ${table} WHERE ${at} >= $1 AND ${at} < $2`,
      [windowStart, windowEnd],
    );
    const row = rows[0];
    return {
      perSecond: Math.round(row.rows / windowSeconds),
      lagP50Ms: Math.round(row.p50 * 1000),
      lagP99Ms: Math.round(row.p99 * 1000),
      lagMaxMs: Math.round(row.max * 1000),
    };
  };
  const { rows: concurrency } = await db.query(
    `SELECT count(*)::int AS n FROM calls WHERE started_at < $1 AND (ended_at IS NULL OR ended_at >= $1)`,
    [windowEnd],
  );
  const metrics = await logger.metrics();
  const counter = (name: string) => {
    const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return {
    callsPlaced: placed,
    concurrentCallsAtEnd: concurrency[0].n,
    windowSeconds,
    statsPublishedPerSecond: Math.round(statsPublishedInWindow / windowSeconds),
    /** Share of the published samples the logger received (core NATS drops for slow consumers). */
    statsReceivedShare: Number(
      (counter('call_logger_stats_samples_received_total') / statsPublished).toFixed(4),
    ),
    events: await lagOf('call_events', 'occurred_at'),
    statsSamples: await lagOf('stream_health_samples', 'sampled_at'),
    eventsCommittedWithin1s: Number(
      histogramShare(metrics, 'call_logger_event_lag_seconds', '1').toFixed(4),
    ),
    statsCommittedWithin1s: Number(
      histogramShare(metrics, 'call_logger_stats_lag_seconds', '1').toFixed(4),
    ),
  };
}

async function drain(nc: NatsConnection, db: Client, logger: LoggerProcess) {
  await logger.stop();
  const publisher = new EventPublisher(nc.jetstream());
  const at = Date.now() - 3600_000;
  const events: CallEvent[] = [];
  for (let i = 0; i < BACKLOG_CALLS; i += 1) {
    events.push(...new CallScript(undefined, 'pbx2').fullCall(at + i * 10, 30_000));
  }
  for (const event of events) await publisher.publish(event);
  await publisher.settle();
  const before = Number((await db.query(`SELECT count(*) FROM call_events`)).rows[0].count);
  await logger.start();
  // Timed from the first row written, so the logger's start-up is not counted.
  let started = 0;
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM call_events`);
    const written = rows[0].n - before;
    if (written > 0 && !started) started = performance.now();
    if (written >= events.length) break;
    await sleep(20);
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, eventsPerSecond: Math.round(events.length / seconds), seconds };
}

/** The floor: the same event rows, INSERTed in batches of 500 into a bare copy of call_events. */
async function rawInsertBaseline(db: Client, events: CallEvent[]) {
  await db.query(`CREATE TABLE call_events_baseline (LIKE call_events INCLUDING ALL)`);
  const started = performance.now();
  for (let i = 0; i < events.length; i += 500) {
    const rows = events.slice(i, i + 500).map((event, j) => ({ e: event, seq: i + j }));
    await db.query(
      `INSERT INTO call_events_baseline (event_id, call_id, event_type, occurred_at, track, stream_sequence, payload)
       SELECT (x.e->>'eventId')::uuid, x.e->>'callId', x.e->>'event', (x.e->>'occurredAt')::timestamptz,
              x.e->>'track', x.seq, x.e
       FROM jsonb_to_recordset($1::jsonb) AS x(e jsonb, seq bigint)`,
      [JSON.stringify(rows)],
    );
  }
  return Math.round(events.length / ((performance.now() - started) / 1000));
}

async function main(): Promise<void> {
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const databaseUrl = await freshDatabase(DATABASE);
  const logger = new LoggerProcess({
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(await freePort()),
    NATS_SERVERS: nats.url,
    DATABASE_URL: databaseUrl,
    RECORDINGS_ENABLED: 'false',
    STATS_SAMPLE_INTERVAL_MS: '1000',
    LOG_LEVEL: 'warn',
  });
  const nc = await connect({ servers: nats.url });
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await logger.start();
    console.log(
      `sustained load: ${CALLS} concurrent calls for ${SECONDS} s (${WARMUP_SECONDS} s warm-up)...`,
    );
    const load = await sustained(nc, db, logger);
    console.log(`drain: ${BACKLOG_CALLS * EVENTS_PER_CALL} backlogged events...`);
    const backlog = await drain(nc, db, logger);
    const baseline = await rawInsertBaseline(db, backlog.events);
    const exitCode = await logger.stop();

    const table = [
      {
        measure: 'sustained call events written',
        perSecond: load.events.perSecond,
        lagP50Ms: load.events.lagP50Ms,
        lagP99Ms: load.events.lagP99Ms,
        lagMaxMs: load.events.lagMaxMs,
      },
      {
        measure: 'sustained stats samples written',
        perSecond: load.statsSamples.perSecond,
        lagP50Ms: load.statsSamples.lagP50Ms,
        lagP99Ms: load.statsSamples.lagP99Ms,
        lagMaxMs: load.statsSamples.lagMaxMs,
      },
      { measure: 'backlog drain, call-logger', perSecond: backlog.eventsPerSecond },
      { measure: 'baseline: raw INSERT of the same rows', perSecond: baseline },
    ];
    console.table(table);
    const ratio = Number((backlog.eventsPerSecond / baseline).toFixed(3));
    console.log(
      `call-logger drains at ${ratio}x the raw INSERT rate; ${(load.eventsCommittedWithin1s * 100).toFixed(2)}% of events and ${(load.statsCommittedWithin1s * 100).toFixed(2)}% of stats committed within 1 s; logger exit ${exitCode}`,
    );

    mkdirSync(RESULTS, { recursive: true });
    const result = {
      benchmark: 'call-logger load: events and stats written, lag from event to row',
      command: 'npx nx run call-logger:bench',
      date: new Date().toISOString(),
      machine: benchMachine(),
      setup: {
        concurrentCalls: CALLS,
        callSeconds: CALL_SECONDS,
        eventsPerCall: EVENTS_PER_CALL,
        statsPerTrackPerSecond: 1,
        statsSampleIntervalMs: 1000,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        backlogEvents: backlog.events.length,
        lagSource:
          'rows: recorded_at (clock_timestamp() at insert) minus occurredAt/sampledAt (publish time); committedWithin1s: the logger histogram of commit time minus occurredAt',
      },
      target: { concurrentCalls: 2000, statsHz: 1, p99LagMs: 1000 },
      sustained: load,
      drain: {
        eventsPerSecond: backlog.eventsPerSecond,
        seconds: Number(backlog.seconds.toFixed(2)),
      },
      baseline: { rawInsertEventsPerSecond: baseline },
      ratioVsBaseline: ratio,
      meetsTarget:
        load.events.lagP99Ms < 1000 &&
        load.statsSamples.lagP99Ms < 1000 &&
        load.eventsCommittedWithin1s >= 0.99 &&
        load.statsCommittedWithin1s >= 0.99,
      rows: table,
    };
    writeFileSync(join(RESULTS, 'call-logger-load.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written to bench/results/call-logger-load.json`);
  } finally {
    await logger.stop().catch(() => undefined);
    await nc.close();
    await db.end();
    await nats.dispose();
    await dropDatabase(DATABASE);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
