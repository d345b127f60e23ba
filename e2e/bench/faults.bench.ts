/**
 * The bridge under production faults, one after the other, while calls run: the whole bridge as
 * separate built processes (asterisk-sim, ari-ingest, media-gateway, call-logger, stream-egress,
 * dashboard-api) on a private nats-server with JetStream and a private PostgreSQL database, the
 * call-logger reaching PostgreSQL through a BlackholeProxy. Two media-gateways and an active and
 * a standby ari-ingest run, as deploy/k8s deploys them.
 *
 * Each phase places its calls (all answered, talk times long enough to span the fault and the
 * recovery window after it), waits until they are tapped, applies one fault, lets the calls run
 * to their planned hangups and then judges them:
 * - tapped: both tracks still delivered audio in the call's last second (no outage, i.e. no
 *   stretch of 1 s or more without audio, ran into the hangup);
 * - audio lost per track: the part of [max(answer, fault start), hangup] that no frame covers,
 *   each frame placed on the wall clock by its stream's Audio-Timestamp (see track-coverage.ts);
 * - wrongly ended: an `ended` stored in JetStream before the simulator hung the call up;
 * - not ended: no `ended` stored within 15 s of the hangup;
 * - records lost: no `calls` row, or one without its end, 30 s after the last hangup;
 * - left on the PBX: channels and bridges (of any kind) that appeared on the simulator during the
 *   phase and are still there 15 s after its last hangup;
 * - recovery: from the fault's end to the end of the last outage of any track since the fault's
 *   start ("never" when one ran into a hangup).
 *
 *   npm run bench:faults [-- --calls 200 --burst 100 --only kill-media-gateway,freeze-nats --logs DIR]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { callIdFromChannel } from '@asb/contracts';
import {
  BlackholeProxy,
  dropDatabase,
  freePort,
  freshDatabase,
  NatsTestServer,
  POSTGRES_ADMIN_URL,
  sleep,
  benchMachine,
} from '@asb/testing';
import { BridgeStack, ScenarioCall } from '../src/support/bridge-stack';
import { ServiceProcess } from '../src/support/service-process';
import { WORKSPACE_ROOT } from '../src/support/workspace';
import { FaultRecorder, StoredEvent } from './fault-recorder';
import { gaps, totalMs } from './track-coverage';
import { percentile } from './process-usage';

const { values: options } = parseArgs({
  options: {
    calls: { type: 'string', default: '200' },
    burst: { type: 'string', default: '100' },
    only: { type: 'string' },
    /** A folder to keep every service's log in, to see why a row failed. */
    logs: { type: 'string' },
  },
});
const CALLS = Number(options.calls);
const BURST = Number(options.burst);
if (!(CALLS >= 1) || !(BURST >= 1)) throw new Error('--calls and --burst must be positive');

/** New calls per second while a phase places its calls. */
const ARRIVAL_RATE = 50;
/** How long a phase waits for its calls to be tapped before the fault comes anyway. */
const SETUP_BUDGET_MS = Math.max(10_000, CALLS * 100);
const BEFORE_FAULT_MS = 2000;
/** Every call goes on at least this long after the fault's end. */
const RECOVERY_WINDOW_MS = 25_000;
const TALK_SPREAD_MS = 5000;
const HANGUP_GRACE_MS = 15_000;
/** Records may trail the events (a database outage delays them); later than this they are lost. */
const RECORDS_GRACE_MS = 30_000;
const RESTART_READY_MS = 60_000;
const NATS_FREEZE_MS = 10_000;
const POSTGRES_CUT_MS = 30_000;
const BURST_WINDOW_MS = 2000;
const AUDIO_TARGET_S = 3;
/** A stretch without audio at least this long is an outage; shorter ones are packet loss. */
const OUTAGE_MS = 1000;

type Service = 'ari-ingest' | 'media-gateway' | 'call-logger' | 'stream-egress' | 'dashboard-api';
const SERVICES: Service[] = [
  'ari-ingest',
  'media-gateway',
  'call-logger',
  'stream-egress',
  'dashboard-api',
];

interface Bench {
  stack: BridgeStack;
  nats: NatsTestServer;
  proxy: BlackholeProxy;
  recorder: FaultRecorder;
  databaseUrl: string;
}

interface FaultWindow {
  startMs: number;
  endMs: number;
  notes: string[];
}

interface Fault {
  name: string;
  /** Longest the fault itself lasts, to size calls that outlive it. */
  lastsMs: number;
  /** Most audio a track may lose to it. */
  audioTargetS: number;
  /** Calls up before the fault (the burst adds its own, keeping the peak at --calls). */
  baseCalls: number;
  /** Applies the fault; `phaseScenarios` gathers every scenario the fault itself starts. */
  apply(bench: Bench, phaseScenarios: string[]): Promise<FaultWindow>;
}

interface Row {
  fault: string;
  answeredCalls: number;
  tappedPercent: number;
  affectedTracks: number;
  audioLostP50S: number | null;
  audioLostMaxS: number | null;
  audioTargetS: number;
  wronglyEnded: number;
  notEndedIn15s: number;
  recordsLost: number;
  leftOnPbx: number;
  /** null: some call still up never got audio back. */
  recoverySeconds: number | null;
  notes: string[];
}

/** A phase that could not be measured (its setup or the fault itself failed). */
interface FailedRow {
  fault: string;
  error: string;
}

function service(stack: BridgeStack, app: Service): ServiceProcess {
  const found = {
    'ari-ingest': stack.ingest,
    'media-gateway': stack.gateway,
    'call-logger': stack.callLogger,
    'stream-egress': stack.streamEgress,
    'dashboard-api': stack.dashboardApi,
  }[app];
  if (!found) throw new Error(`${app} is not part of the stack`);
  return found;
}

/** Puts `next` where `old` was, so the stack stops (and the next fault kills) the new one. */
function replaceService(stack: BridgeStack, old: ServiceProcess, next: ServiceProcess): void {
  for (const [key, process] of stack.processes) if (process === old) stack.processes.set(key, next);
  if (stack.ingest === old) stack.ingest = next;
  if (stack.gateway === old) stack.gateway = next;
  if (stack.callLogger === old) stack.callLogger = next;
  if (stack.streamEgress === old) stack.streamEgress = next;
  if (stack.dashboardApi === old) stack.dashboardApi = next;
}

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first line of an error: a service's failure carries its whole log after it. */
const briefly = (error: unknown) => (error as Error).message.split('\n')[0];

async function restart(stack: BridgeStack, old: ServiceProcess): Promise<ServiceProcess> {
  old.kill();
  await within(old.exit(), 10_000, `${old.app} exit`);
  const next = old.restarted();
  replaceService(stack, old, next);
  return next;
}

/** SIGKILL, then a new process at once: how long until it is ready is part of the recovery. */
function killFault(app: Service): Fault {
  return {
    name: `kill-${app}`,
    lastsMs: 0,
    audioTargetS: AUDIO_TARGET_S,
    baseCalls: CALLS,
    async apply({ stack }) {
      const startMs = Date.now();
      const next = await restart(stack, service(stack, app));
      const endMs = Date.now();
      const notes = await next
        .waitFor('/health/ready', 200, RESTART_READY_MS)
        .then(() => [`${app} ready ${((Date.now() - endMs) / 1000).toFixed(1)} s after restart`])
        .catch((error: unknown) => [`${app} not ready after restart: ${briefly(error)}`]);
      return { startMs, endMs, notes };
    },
  };
}

const FAULTS: Fault[] = [
  ...SERVICES.map(killFault),
  {
    name: 'freeze-nats',
    lastsMs: NATS_FREEZE_MS,
    // Core NATS keeps nothing for a frozen server: the freeze itself may cost its length.
    audioTargetS: NATS_FREEZE_MS / 1000 + AUDIO_TARGET_S,
    baseCalls: CALLS,
    async apply({ nats }) {
      const startMs = Date.now();
      nats.pause();
      try {
        await sleep(NATS_FREEZE_MS);
      } finally {
        nats.resume();
      }
      return { startMs, endMs: Date.now(), notes: [] };
    },
  },
  {
    name: 'cut-postgres',
    lastsMs: POSTGRES_CUT_MS,
    audioTargetS: AUDIO_TARGET_S,
    baseCalls: CALLS,
    async apply({ proxy }) {
      const startMs = Date.now();
      proxy.blackhole();
      try {
        await sleep(POSTGRES_CUT_MS);
      } finally {
        proxy.resume();
      }
      return { startMs, endMs: Date.now(), notes: [`${proxy.connections} connections held`] };
    },
  },
  {
    name: 'burst',
    lastsMs: BURST_WINDOW_MS + 5000,
    audioTargetS: AUDIO_TARGET_S,
    baseCalls: Math.max(0, CALLS - BURST),
    async apply({ stack }, phaseScenarios) {
      const startMs = Date.now();
      const rate = BURST / (BURST_WINDOW_MS / 1000);
      const id = await placeCalls(stack, BURST, rate, BURST_WINDOW_MS + RECOVERY_WINDOW_MS, 9999);
      phaseScenarios.push(id);
      // The burst is over when all its calls are answered (or its window and rings are long past).
      const target = Math.max(0, CALLS - BURST) + BURST;
      const deadline = startMs + BURST_WINDOW_MS + 10_000;
      let up = 0;
      while (Date.now() < deadline) {
        up = (await answeredCalls(stack)).length;
        if (up >= target) break;
        await sleep(200);
      }
      const endMs = Date.now();
      return {
        startMs,
        endMs,
        notes: [`${up} calls up ${((endMs - startMs) / 1000).toFixed(1)} s after the burst began`],
      };
    },
  },
];

/** Talk time that keeps every call of a phase up for the recovery window after the fault. */
function talkMsFor(fault: Fault, placingMs: number): number {
  return placingMs + SETUP_BUDGET_MS + BEFORE_FAULT_MS + fault.lastsMs + RECOVERY_WINDOW_MS;
}

async function placeCalls(
  stack: BridgeStack,
  count: number,
  rate: number,
  talkMs: number,
  seed: number,
): Promise<string> {
  const { id } = await stack.control<{ id: string }>('POST', '/sim/scenarios', {
    totalCalls: count,
    concurrency: count,
    arrivalRate: rate,
    ringMs: { min: 200, max: 1000 },
    talkMs: { min: talkMs, max: talkMs + TALK_SPREAD_MS },
    answerRatio: 1,
    seed,
  });
  return id;
}

async function scenarioCalls(stack: BridgeStack, id: string): Promise<ScenarioCall[]> {
  return (await stack.control<{ calls: ScenarioCall[] }>('GET', `/sim/scenarios/${id}?calls=true`))
    .calls;
}

async function scenarioFinished(stack: BridgeStack, id: string): Promise<boolean> {
  return (
    (await stack.control<{ state: string }>('GET', `/sim/scenarios/${id}`)).state === 'finished'
  );
}

const callIdOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);
const TRACKS = ['caller', 'agent'] as const;

/**
 * The calls up on the simulated PBX right now, by call id. The scenario's own records fill in
 * only when a call ends, so live calls are read the way the bridge reads them: answered trunks.
 */
async function answeredCalls(stack: BridgeStack): Promise<string[]> {
  const channels = await stack.ari<Array<{ id: string; name: string; state: string }>>(
    'pbx1',
    '/channels',
  );
  return channels
    .filter((c) => c.name.startsWith('SIP/') && c.state === 'Up')
    .map((c) => callIdFromChannel('pbx1', c.id));
}

/**
 * Waits until `count` calls are up and deliver audio on both tracks, or the budget is spent;
 * says how many did and when.
 */
async function waitTapped(bench: Bench, count: number): Promise<string> {
  const started = Date.now();
  let tapped = 0;
  while (Date.now() - started < SETUP_BUDGET_MS) {
    const recent = Date.now() - 2000;
    tapped = (await answeredCalls(bench.stack)).filter((callId) =>
      TRACKS.every((track) => (bench.recorder.track(callId, track)?.lastArrivalMs ?? 0) > recent),
    ).length;
    if (tapped >= count) break;
    await sleep(500);
  }
  return `${tapped}/${count} calls tapped ${((Date.now() - started) / 1000).toFixed(1)} s after placing began`;
}

/** Every service answers ready; one that died or hangs is replaced, so one fault's damage stays in its row. */
async function ensureServices(stack: BridgeStack): Promise<string[]> {
  const notes: string[] = [];
  for (const app of SERVICES) {
    const current = service(stack, app);
    try {
      await current.waitFor('/health/ready', 200, 15_000);
    } catch (error) {
      notes.push(`${app} was not ready before the phase (${briefly(error)}): restarted`);
      const next = await restart(stack, current);
      await next.waitFor('/health/ready', 200, RESTART_READY_MS);
    }
  }
  return notes;
}

async function recordsOf(databaseUrl: string, callIds: string[]): Promise<Map<string, boolean>> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ call_id: string; ended: boolean }>(
      'SELECT call_id, ended_at IS NOT NULL AS ended FROM calls WHERE call_id = ANY($1)',
      [callIds],
    );
    return new Map(rows.map((row) => [row.call_id, row.ended]));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Ids of every channel and bridge on the simulated PBX. */
async function pbxObjects(stack: BridgeStack): Promise<Set<string>> {
  const [channels, bridges] = await Promise.all([
    stack.ari<Array<{ id: string }>>('pbx1', '/channels'),
    stack.ari<Array<{ id: string }>>('pbx1', '/bridges'),
  ]);
  return new Set([...channels, ...bridges].map((object) => object.id));
}

/**
 * Channels and bridges that appeared on the PBX during the phase and are still there at
 * `untilMs` (whatever their names): what an earlier phase left is that phase's count.
 */
async function leftSince(
  stack: BridgeStack,
  before: Set<string>,
  untilMs: number,
): Promise<number> {
  for (;;) {
    const left = [...(await pbxObjects(stack))].filter((id) => !before.has(id)).length;
    if (left === 0 || Date.now() >= untilMs) return left;
    await sleep(500);
  }
}

async function runPhase(bench: Bench, fault: Fault, seed: number): Promise<Row> {
  const { stack, recorder } = bench;
  const notes = await ensureServices(stack);
  const fromSequence = await recorder.lastEventSequence();
  const onPbxBefore = await pbxObjects(stack);
  const scenarios: string[] = [];
  const placingMs = (fault.baseCalls / ARRIVAL_RATE) * 1000;
  if (fault.baseCalls > 0) {
    const id = await placeCalls(
      stack,
      fault.baseCalls,
      ARRIVAL_RATE,
      talkMsFor(fault, placingMs),
      seed,
    );
    scenarios.push(id);
    notes.push(await waitTapped(bench, fault.baseCalls));
  }
  await sleep(BEFORE_FAULT_MS);
  let window: FaultWindow;
  try {
    window = await within(
      fault.apply(bench, scenarios),
      fault.lastsMs + RESTART_READY_MS + 30_000,
      fault.name,
    );
  } finally {
    bench.nats.resume();
    bench.proxy.resume();
  }
  notes.push(...window.notes);

  const longestTalk = talkMsFor(fault, placingMs) + TALK_SPREAD_MS + 60_000;
  const deadline = Date.now() + longestTalk;
  while (Date.now() < deadline) {
    const states = await Promise.all(scenarios.map((id) => scenarioFinished(stack, id)));
    if (states.every(Boolean)) break;
    await sleep(1000);
  }
  const calls = (await Promise.all(scenarios.map((id) => scenarioCalls(stack, id)))).flat();
  const answered = calls.filter((c) => c.answeredAt !== undefined && c.trunkChannelId);
  const stillUp = answered.filter((c) => c.endedAt === undefined).length;
  if (stillUp > 0) notes.push(`${stillUp} calls still up on the simulator at the deadline`);
  const lastHangup = Math.max(Date.now(), ...answered.map((c) => c.endedAt ?? 0));
  const left = await leftSince(stack, onPbxBefore, lastHangup + HANGUP_GRACE_MS);
  const onPbx = (await stack.leftovers()).reduce(
    (sum, [, channels, bridges]) => sum + channels + bridges,
    0,
  );
  if (onPbx > left)
    notes.push(`${onPbx} channels and bridges on the PBX, earlier phases' included`);
  await sleep(Math.max(0, lastHangup + HANGUP_GRACE_MS - Date.now()));
  const events = await recorder.eventsAfter(fromSequence);

  const callIds = answered.map(callIdOf);
  let records = new Map<string, boolean>();
  while (Date.now() < lastHangup + RECORDS_GRACE_MS) {
    records = await recordsOf(bench.databaseUrl, callIds).catch(() => records);
    if (callIds.every((id) => records.get(id) === true)) break;
    await sleep(1000);
  }

  const row = judge(fault, window, answered, events, records, recorder);
  if (fault.name === 'kill-media-gateway') {
    notes.push(...lossByGateway(`gw-${stack.app}`, window, answered, events, recorder));
  }
  recorder.forget(callIds);
  notes.push(...wronglyEndedDetails(answered, events));
  return { ...row, leftOnPbx: left, notes };
}

/** Audio lost per track where the fault began, for a track's stream on one gateway. */
function lostSeconds(
  call: ScenarioCall,
  track: (typeof TRACKS)[number],
  window: FaultWindow,
  recorder: FaultRecorder,
) {
  const covered = recorder.track(callIdOf(call), track)?.intervals() ?? [];
  const span: [number, number] = [
    Math.max(call.answeredAt as number, window.startMs),
    call.endedAt ?? Date.now(),
  ];
  return totalMs(gaps(covered, span)) / 1000;
}

/**
 * The loss of the tracks the killed gateway carried when it died, apart from the loss of the
 * tracks on the one that lived: whether the re-taps are slow, or the whole box is.
 */
function lossByGateway(
  killedGatewayId: string,
  window: FaultWindow,
  answered: ScenarioCall[],
  events: StoredEvent[],
  recorder: FaultRecorder,
): string[] {
  const gatewayAtKill = new Map<string, string>();
  for (const { event, storedAtMs } of events) {
    if (event.event === 'tap_started' && event.gateway && storedAtMs < window.startMs)
      gatewayAtKill.set(`${event.callId}/${event.track}`, event.gateway.gatewayId);
  }
  const killed: number[] = [];
  const lived: number[] = [];
  for (const call of answered) {
    for (const track of TRACKS) {
      const gateway = gatewayAtKill.get(`${callIdOf(call)}/${track}`);
      if (gateway === undefined) continue;
      (gateway === killedGatewayId ? killed : lived).push(
        lostSeconds(call, track, window, recorder),
      );
    }
  }
  // How long after the kill ari-ingest said each lost tap was gone, and had it running again.
  const stoppedAfter: number[] = [];
  const onRestarted: number[] = [];
  const onOther: number[] = [];
  for (const { event, storedAtMs } of events) {
    if (storedAtMs < window.startMs) continue;
    const key = 'track' in event ? `${event.callId}/${event.track}` : '';
    if (gatewayAtKill.get(key) !== killedGatewayId) continue;
    if (event.event === 'tap_stopped' && event.reason === 'gateway_lost')
      stoppedAfter.push((storedAtMs - window.startMs) / 1000);
    if (event.event === 'tap_started')
      (event.gateway?.gatewayId === killedGatewayId ? onRestarted : onOther).push(
        (storedAtMs - window.startMs) / 1000,
      );
  }
  const summary = (unsorted: number[], what: string) => {
    const values = [...unsorted].sort((a, b) => a - b);
    if (values.length === 0) return 'none';
    return `${values.length} tracks, ${what} p50 ${percentile(values, 50).toFixed(1)} s / max ${values[values.length - 1].toFixed(1)} s`;
  };
  return [
    `on the killed gateway: ${summary(killed, 'lost')}`,
    `on the other: ${summary(lived, 'lost')}`,
    `gateway_lost after the kill: ${summary(stoppedAfter, 'stored')}`,
    `tapped again on the restarted gateway: ${summary(onRestarted, 'stored')}`,
    `tapped again on the other: ${summary(onOther, 'stored')}`,
  ];
}

function judge(
  fault: Fault,
  window: FaultWindow,
  answered: ScenarioCall[],
  events: StoredEvent[],
  records: Map<string, boolean>,
  recorder: FaultRecorder,
): Omit<Row, 'leftOnPbx' | 'notes'> {
  const firstEnded = new Map<string, number>();
  for (const { event, storedAtMs } of events)
    if (event.event === 'ended' && !firstEnded.has(event.callId))
      firstEnded.set(event.callId, storedAtMs);

  let tapped = 0;
  let wronglyEnded = 0;
  let notEnded = 0;
  let recordsLost = 0;
  let recoveryMs: number | null = 0;
  const lost: number[] = [];
  for (const call of answered) {
    const callId = callIdOf(call);
    const answeredAt = call.answeredAt as number;
    const endedAt = call.endedAt ?? Date.now();
    const ended = firstEnded.get(callId);
    if (ended !== undefined && (call.endedAt === undefined || ended < call.endedAt))
      wronglyEnded += 1;
    if (ended === undefined || call.endedAt === undefined || ended > call.endedAt + HANGUP_GRACE_MS)
      notEnded += 1;
    if (records.get(callId) !== true) recordsLost += 1;

    let bothTracks = true;
    for (const track of TRACKS) {
      const covered = recorder.track(callId, track)?.intervals() ?? [];
      const missing = gaps(covered, [Math.max(answeredAt, window.startMs), endedAt]);
      lost.push(lostSeconds(call, track, window, recorder));
      const outages = missing.filter(([start, end]) => end - start >= OUTAGE_MS);
      const last = outages[outages.length - 1];
      // An outage that runs into the hangup: the track was not tapped when the call ended.
      const tappedAtEnd = !last || last[1] < endedAt;
      bothTracks &&= tappedAtEnd;
      if (recoveryMs !== null && endedAt > window.endMs)
        recoveryMs = tappedAtEnd ? Math.max(recoveryMs, (last?.[1] ?? 0) - window.endMs) : null;
    }
    if (bothTracks) tapped += 1;
  }
  lost.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    fault: fault.name,
    answeredCalls: answered.length,
    tappedPercent: answered.length ? round((tapped / answered.length) * 100) : 0,
    affectedTracks: lost.length,
    audioLostP50S: lost.length ? round(percentile(lost, 50)) : null,
    audioLostMaxS: lost.length ? round(lost[lost.length - 1]) : null,
    audioTargetS: fault.audioTargetS,
    wronglyEnded,
    notEndedIn15s: notEnded,
    recordsLost,
    recoverySeconds: recoveryMs === null ? null : round(recoveryMs / 1000),
  };
}

/** What a reader needs to chase a call ended before its hangup: which, how early, and how. */
function wronglyEndedDetails(answered: ScenarioCall[], events: StoredEvent[]): string[] {
  const details: string[] = [];
  for (const call of answered) {
    const stored = events.find(
      (e) => e.event.event === 'ended' && e.event.callId === callIdOf(call),
    );
    if (!stored || (call.endedAt !== undefined && stored.storedAtMs >= call.endedAt)) continue;
    const ended = stored.event;
    const how =
      ended.event === 'ended'
        ? `cause ${ended.cause}${ended.reconciled ? ', reconciled' : ''}`
        : '';
    const early =
      call.endedAt === undefined
        ? 'while still up'
        : `${Math.round(call.endedAt - stored.storedAtMs)} ms before its hangup`;
    details.push(`${callIdOf(call)} ended ${early} (${how})`);
  }
  return details;
}

/** Each cell against its target, for the table. */
function verdicts(row: Row): Record<string, boolean> {
  return {
    tapped: row.tappedPercent === 100,
    audio: row.audioLostMaxS !== null && row.audioLostMaxS <= row.audioTargetS,
    wronglyEnded: row.wronglyEnded === 0,
    notEnded: row.notEndedIn15s === 0,
    records: row.recordsLost === 0,
    pbx: row.leftOnPbx === 0,
  };
}

function table(rows: Array<Row | FailedRow>): string {
  const mark = (ok: boolean, text: string) => `${text} ${ok ? 'pass' : 'FAIL'}`;
  const lines = [
    '| fault | calls | tapped | audio lost p50 / max per track (s) | wrongly ended | not ended in 15 s | records lost | left on PBX | recovery (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    if ('error' in row) {
      lines.push(`| ${row.fault} | failed: ${row.error} | | | | | | | |`);
      continue;
    }
    const ok = verdicts(row);
    lines.push(
      `| ${[
        row.fault,
        row.answeredCalls,
        mark(ok.tapped, `${row.tappedPercent} %`),
        mark(
          ok.audio,
          `${row.audioLostP50S ?? '-'} / ${row.audioLostMaxS ?? '-'} (<= ${row.audioTargetS})`,
        ),
        mark(ok.wronglyEnded, String(row.wronglyEnded)),
        mark(ok.notEnded, String(row.notEndedIn15s)),
        mark(ok.records, String(row.recordsLost)),
        mark(ok.pbx, String(row.leftOnPbx)),
        row.recoverySeconds ?? 'never',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const chosen = options.only?.split(',').map((name) => name.trim());
  const faults = chosen ? FAULTS.filter((f) => chosen.includes(f.name)) : FAULTS;
  const unknown = chosen?.filter((name) => !FAULTS.some((f) => f.name === name)) ?? [];
  if (unknown.length > 0 || faults.length === 0)
    throw new Error(
      `unknown fault(s) ${unknown.join(', ')}; known: ${FAULTS.map((f) => f.name).join(', ')}`,
    );

  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.reverse())
        await within(Promise.resolve().then(step), 30_000, 'cleanup').catch((error: unknown) =>
          console.error(`cleanup: ${briefly(error)}`),
        );
    })());
  // A hung fault or wait must not hang the run: past this, everything started is stopped.
  const phaseMs = (f: Fault) =>
    talkMsFor(f, (CALLS / ARRIVAL_RATE) * 1000) + RECORDS_GRACE_MS + RESTART_READY_MS + 120_000;
  const budgetMs = 180_000 + faults.reduce((sum, f) => sum + phaseMs(f), 0);
  const abort = (why: string) => {
    console.error(`bench:faults stopping: ${why}`);
    void cleanUp().finally(() => process.exit(2));
  };
  const watchdog = setTimeout(
    () => abort(`over its ${Math.round(budgetMs / 60_000)} min budget`),
    budgetMs,
  );
  process.once('SIGINT', () => abort('SIGINT'));
  process.once('SIGTERM', () => abort('SIGTERM'));

  const rows: Array<Row | FailedRow> = [];
  const startedAt = new Date();
  try {
    const nats = new NatsTestServer(await freePort());
    cleanups.push(() => nats.dispose());
    await nats.start();

    const databaseName = `asb_bench_faults_${randomBytes(4).toString('hex')}`;
    const databaseUrl = await freshDatabase(databaseName);
    cleanups.push(() => dropDatabase(databaseName));
    const admin = new URL(POSTGRES_ADMIN_URL);
    const proxy = await new BlackholeProxy(Number(admin.port || 5432), admin.hostname).start();
    cleanups.push(() => proxy.stop());
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String(proxy.port);

    const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-bench-faults-'));
    cleanups.push(() => rmSync(recordingsDir, { recursive: true, force: true }));

    const natsEnv = { NATS_SERVERS: nats.url, LOG_LEVEL: 'warn' };
    const stack = new BridgeStack({
      servers: ['pbx1'],
      env: {
        // The simulator shares two cores with everything else here: Asterisk's 100 ms write
        // timeout would drop ari-ingest as a slow reader whenever the simulator falls behind.
        // Asterisk sends RTP from other threads than the ones that answer ARI; so does the
        // simulator with RTP on worker threads.
        'asterisk-sim': {
          SIM_WS_WRITE_TIMEOUT_MS: '2000',
          LOG_LEVEL: 'warn',
          SIM_RTP_THREADS: '2',
        },
        'media-gateway': natsEnv,
        // The production lease (the harness shortens it): a killed leader's successor waits it out.
        'ari-ingest': { ...natsEnv, LEADER_LEASE_TTL_MS: '10000' },
      },
      callLogger: { ...natsEnv, DATABASE_URL: viaProxy.toString(), RECORDINGS_DIR: recordingsDir },
      dashboardApi: {
        ...natsEnv,
        DATABASE_URL: databaseUrl,
        DASHBOARD_JWT_SECRET: randomBytes(32).toString('base64url'),
      },
      streamEgress: natsEnv,
    });
    cleanups.push(async () => {
      await within(stack.stop(), 30_000, 'graceful stop').catch(() => undefined);
      stack.kill();
      if (options.logs) {
        mkdirSync(options.logs, { recursive: true });
        for (const [name, service] of stack.processes)
          writeFileSync(join(options.logs, `${name}.log`), service.logs());
      }
    });
    // Runs first: a run stopped mid-fault lets its services drain before they are stopped.
    cleanups.push(() => {
      nats.resume();
      proxy.resume();
    });
    await stack.start();
    // As deployed (deploy/k8s: two replicas of each): a second media-gateway in the queue group
    // and a standby ari-ingest. The kills hit the first of each, the active ari-ingest.
    await stack.startGateway('gw2');
    await (await stack.startIngest()).waitFor('/health/ready');
    const recorder = await new FaultRecorder().start(nats.url);
    cleanups.push(() => recorder.stop());
    const bench: Bench = { stack, nats, proxy, recorder, databaseUrl };

    for (const [index, fault] of faults.entries()) {
      process.stdout.write(`${fault.name}... `);
      try {
        const row = await within(runPhase(bench, fault, 100 + index), phaseMs(fault), fault.name);
        rows.push(row);
        console.log(
          `tapped ${row.tappedPercent} %, audio lost max ${row.audioLostMaxS} s, recovery ${row.recoverySeconds ?? 'never'} s`,
        );
      } catch (error) {
        // A fault the bridge (or this box) cannot take is a result too: the run goes on.
        rows.push({ fault: fault.name, error: briefly(error) });
        console.log(`failed: ${briefly(error)}`);
        bench.nats.resume();
        bench.proxy.resume();
      }
    }
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
  }

  const results = table(rows);
  console.log(`\n${results}\n`);
  const machine = benchMachine();
  const out = join(WORKSPACE_ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'faults.json'),
    JSON.stringify(
      {
        benchmark:
          'faults while calls run: service kills, NATS freeze, PostgreSQL blackhole, burst',
        date: startedAt.toISOString(),
        machine,
        calls: CALLS,
        burst: BURST,
        settings: {
          arrivalRatePerSecond: ARRIVAL_RATE,
          natsFreezeSeconds: NATS_FREEZE_MS / 1000,
          postgresCutSeconds: POSTGRES_CUT_MS / 1000,
          burstWindowSeconds: BURST_WINDOW_MS / 1000,
          recoveryWindowSeconds: RECOVERY_WINDOW_MS / 1000,
          hangupGraceSeconds: HANGUP_GRACE_MS / 1000,
          recordsGraceSeconds: RECORDS_GRACE_MS / 1000,
        },
        rows: rows.map((row) => ('error' in row ? row : { ...row, pass: verdicts(row) })),
      },
      null,
      2,
    ),
  );
  console.log(`results written to bench/results/faults.json (${machine.cores} x ${machine.cpu})`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
