import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, ConsumerMessages, NatsConnection } from 'nats';
import { Client } from 'pg';
import {
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  CallEvent,
  callIdFromChannel,
  decodeCallEvent,
  TapStarted,
} from '@asb/contracts';
import { correlation } from '@asb/rtp';
import {
  eventually,
  freePort,
  freshDatabase,
  NatsTestServer,
  POSTGRES_ADMIN_URL,
} from '@asb/testing';
import { loopedFixture } from './support/audio-alignment';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { ServiceProcess } from './support/service-process';

const TOTAL_CALLS = 500;
/**
 * ari-ingest stamps an event when it publishes it, and it publishes `ended` after tearing the
 * call's taps down, so its times trail the simulator's by a second or more on a busy machine.
 * Against the events ari-ingest published, the logger's rows must be exact.
 */
const SIMULATOR_TOLERANCE_MS = 3000;

/** One channel of a PCM16 WAV file written by call-logger (readWavPcm16 reads mono files only). */
function wavChannel(path: string, channel: number): Int16Array {
  const file = readFileSync(path);
  const channels = file.readUInt16LE(22);
  const data = new Int16Array(file.buffer, file.byteOffset + 44, file.readUInt32LE(40) / 2);
  return data.filter((_, i) => i % channels === channel);
}

interface RecordingTrackRow {
  track: string;
  channel: number;
  offsetSamples: number;
  firstTimestamp: number;
  frames: number;
  gapSamples: number;
}

type SimulatedCall = ScenarioCall & { startedAt: number };

/**
 * The stack runs on a private nats-server: the logger then sees this run's calls only, however
 * many other stacks share the machine's NATS, and the shared stream is not filled with them.
 */
describe('call records: asterisk-sim -> ari-ingest -> media-gateway -> call-logger -> PostgreSQL', () => {
  let nats: NatsTestServer;
  let stack: BridgeStack;
  const database = `asb_e2e_records_${process.pid}_${randomBytes(3).toString('hex')}`;
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-e2e-recordings-'));
  /** What ari-ingest published during the run, read back from the stream. */
  const published: CallEvent[] = [];
  let reader: ConsumerMessages | undefined;
  let logger: ServiceProcess;
  let nc: NatsConnection;
  let db: Client;
  let calls: SimulatedCall[] = [];
  const idOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);
  const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await db.query(sql, params)).rows as T[];

  beforeAll(async () => {
    const url = await freshDatabase(database);

    nats = new NatsTestServer(await freePort());
    await nats.start();
    const onPrivateNats = { NATS_SERVERS: nats.url };
    stack = new BridgeStack({
      servers: ['pbx1', 'pbx2'],
      env: { 'ari-ingest': onPrivateNats, 'media-gateway': onPrivateNats },
    });
    nc = await connect({ servers: nats.url });

    logger = new ServiceProcess('call-logger', {
      HTTP_PORT: String(await freePort()),
      NATS_SERVERS: nats.url,
      DATABASE_URL: url,
      RECORDINGS_DIR: recordingsDir,
      STATS_SAMPLE_INTERVAL_MS: '1000',
    }).start();
    await logger.waitFor('/health/ready', 200, 30_000);
    db = new Client({ connectionString: url });
    await db.connect();
    // What ari-ingest publishes, read back from the stream the logger provisioned.
    reader = await (
      await nc
        .jetstream()
        .consumers.get(CALL_EVENTS_STREAM, { filterSubjects: CALL_EVENTS_WILDCARD })
    ).consume();
    void (async () => {
      for await (const message of reader as ConsumerMessages) {
        published.push(decodeCallEvent(message.subject, message.data));
      }
    })();

    await stack.start();
    calls = (await stack.runScenario(
      {
        totalCalls: TOTAL_CALLS,
        concurrency: 30,
        arrivalRate: 30,
        ringMs: { min: 200, max: 500 },
        talkMs: { min: 2000, max: 3000 },
        answerRatio: 0.8,
        seed: 31,
      },
      150_000,
    )) as SimulatedCall[];
    const ids = calls.map(idOf);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [{ ended, recording }] = await query<{ ended: number; recording: number }>(
        `SELECT (SELECT count(*)::int FROM calls WHERE state = 'ended' AND call_id = ANY($1)) AS ended,
                (SELECT count(*)::int FROM recordings WHERE state = 'recording') AS recording`,
        [ids],
      );
      const active = await stack.metric(logger, 'call_logger_recordings_active');
      if (ended === ids.length && recording === 0 && active === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `${ended}/${ids.length} calls ended, ${active} still recording\n${logger.logs()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // The last stream totals of the calls that just ended go out with the next stats write.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }, 280_000);

  afterAll(async () => {
    await stack?.stop();
    stack?.kill();
    logger?.kill();
    await reader?.close();
    await db?.end();
    await nc?.close();
    await nats?.dispose();
    const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it(`records all ${TOTAL_CALLS} calls the simulator placed, and every stream tapped, once each`, async () => {
    expect(calls).toHaveLength(TOTAL_CALLS);
    const answered = calls.filter((c) => c.answeredAt).length;
    const [counts] = await query<Record<string, number>>(`
      SELECT count(*)::int AS calls,
             count(*) FILTER (WHERE answered_at IS NOT NULL)::int AS answered,
             count(*) FILTER (WHERE state = 'ended')::int AS ended,
             (SELECT count(*)::int FROM call_events) AS events,
             (SELECT count(*)::int FROM streams) AS streams,
             (SELECT count(*)::int FROM streams WHERE state = 'stopped') AS stopped,
             (SELECT count(*)::int FROM dead_letters) AS dead_letters
      FROM calls`);
    const taps = new Set(
      published
        .filter((e) => e.event === 'tap_started')
        .map((e) => `${e.callId}/${'track' in e ? e.track : ''}`),
    );
    expect(counts).toEqual({
      calls: TOTAL_CALLS,
      answered,
      ended: TOTAL_CALLS,
      events: new Set(published.map((e) => e.eventId)).size,
      streams: taps.size,
      stopped: taps.size,
      dead_letters: 0,
    });
  });

  it('matches, call by call, the events ari-ingest published exactly and the simulator closely', async () => {
    const rows = await query<{
      call_id: string;
      started_at: Date;
      answered_at: Date | null;
      ended_at: Date;
      duration_ms: number;
      talk_ms: number | null;
      hangup_cause: number;
      lead_id: string | null;
      vicidial_call_code: string | null;
      event_count: number;
    }>(`SELECT * FROM calls`);
    const byId = new Map(rows.map((row) => [row.call_id, row]));
    const mismatches: unknown[] = [];
    let worstMs = 0;
    for (const call of calls) {
      const id = idOf(call);
      const row = byId.get(id);
      const events = published.filter((e) => e.callId === id);
      const at = (name: string) => {
        const event = events.find((e) => e.event === name);
        return event ? Date.parse(event.occurredAt) : undefined;
      };
      const [started, answered, ended] = [at('started'), at('answered'), at('ended')];
      if (!row || started === undefined || ended === undefined) {
        mismatches.push({ id, missing: { row: !row, started, ended } });
        continue;
      }
      const simulated = {
        duration: (call.endedAt as number) - call.startedAt,
        talk: call.answeredAt ? (call.endedAt as number) - call.answeredAt : null,
      };
      worstMs = Math.max(worstMs, Math.abs(row.duration_ms - simulated.duration));
      const problems = [
        row.started_at.getTime() !== started && 'started_at',
        (row.answered_at?.getTime() ?? undefined) !== answered && 'answered_at',
        row.ended_at.getTime() !== ended && 'ended_at',
        row.duration_ms !== ended - started && 'duration vs events',
        row.talk_ms !== (answered === undefined ? null : ended - answered) && 'talk vs events',
        row.event_count !== new Set(events.map((e) => e.eventId)).size && 'event count',
        row.hangup_cause !== call.cause && `cause ${row.hangup_cause} != ${call.cause}`,
        Boolean(row.answered_at) !== Boolean(call.answeredAt) && 'answered',
        Math.abs(row.duration_ms - simulated.duration) > SIMULATOR_TOLERANCE_MS &&
          `duration ${row.duration_ms} vs simulator ${simulated.duration}`,
        simulated.talk !== null &&
          Math.abs((row.talk_ms ?? -1) - simulated.talk) > SIMULATOR_TOLERANCE_MS &&
          `talk ${row.talk_ms} vs simulator ${simulated.talk}`,
        call.answeredAt && Number(row.lead_id) !== call.plan.leadId && `lead ${row.lead_id}`,
        call.answeredAt && row.vicidial_call_code !== call.callCode && 'call code',
      ].filter(Boolean);
      if (problems.length > 0) mismatches.push({ id, problems });
    }
    expect(mismatches).toEqual([]);
    expect(worstMs).toBeLessThanOrEqual(SIMULATOR_TOLERANCE_MS);
  });

  it('keeps the health of every tapped stream', async () => {
    const [health] = await query<Record<string, number>>(`
      SELECT count(*)::int AS streams,
             count(*) FILTER (WHERE sample_count > 0)::int AS sampled,
             count(*) FILTER (WHERE packets > 0)::int AS with_audio,
             count(*) FILTER (WHERE packets > 0 AND first_packet_at IS NOT NULL
                                AND last_packet_at >= first_packet_at)::int AS timed,
             (SELECT count(*)::int FROM stream_health_samples) AS samples
      FROM streams`);
    expect(health.sampled).toBe(health.streams);
    expect(health.timed).toBe(health.with_audio);
    // A tap set up in the call's last moments may see no packet; nearly all do.
    expect(health.with_audio).toBeGreaterThanOrEqual(health.streams * 0.95);
    expect(health.samples).toBeGreaterThanOrEqual(health.streams);
  });

  it("writes one WAV per call with audio: caller left, agent right, the simulator's speech", async () => {
    const recordings = await query<{
      call_id: string;
      path: string;
      state: string;
      channels: number;
      tracks: RecordingTrackRow[];
    }>(`SELECT * FROM recordings`);
    const withAudio = await query<{ call_id: string; tracks: string[] }>(
      `SELECT call_id, array_agg(track ORDER BY track) AS tracks FROM streams WHERE packets > 0 GROUP BY call_id`,
    );
    expect(
      recordings
        .filter((r) => r.state === 'complete')
        .map((r) => r.call_id)
        .sort(),
    ).toEqual(withAudio.map((c) => c.call_id).sort());
    const failures: unknown[] = [];
    for (const recording of recordings) {
      const stereo = recording.tracks.length === 2;
      if (recording.channels !== (stereo ? 2 : 1))
        failures.push({ call: recording.call_id, channels: recording.channels });
      for (const info of recording.tracks) {
        const expectedChannel = stereo && info.track === 'agent' ? 1 : 0;
        const samples = wavChannel(recording.path, info.channel);
        const span = info.frames * 160 + info.gapSamples;
        const heard = samples.subarray(info.offsetSamples, info.offsetSamples + span);
        const score = correlation(
          heard,
          loopedFixture(info.track, heard.length, info.firstTimestamp),
        );
        // Frames that came too late are silence in the file (counted as lateFrames): on a busy
        // machine that costs a track with a gap some of its likeness to the speech.
        const least = info.gapSamples > 0 ? 0.9 : 0.95;
        if (info.channel !== expectedChannel || heard.length < 800 || score <= least) {
          failures.push({ call: recording.call_id, ...info, score });
        }
      }
    }
    expect(failures).toEqual([]);
    expect(recordings.filter((r) => r.channels === 2).length).toBeGreaterThanOrEqual(
      recordings.length * 0.95,
    );
  });

  it("keeps a call's recording as long as the call when its media-gateway dies and the call is re-tapped", async () => {
    const second = await stack.startGateway('gw2');
    const from = published.length;
    const taps = () =>
      published.slice(from).filter((e): e is TapStarted => e.event === 'tap_started');
    const finished = stack.runScenario(
      {
        totalCalls: 4,
        concurrency: 4,
        arrivalRate: 20,
        answerRatio: 1,
        ringMs: { min: 100, max: 200 },
        talkMs: { min: 9000, max: 10_000 },
        mix: { outbound: 1 },
        seed: 47,
      },
      60_000,
    );
    await eventually(async () => taps().length >= 8, 20_000, '8 taps');
    const before = taps();
    const victimId = await stack.killBusierGateway(second, before);
    const retapped = new Set(
      before.filter((tap) => tap.gateway?.gatewayId === victimId).map((tap) => tap.callId),
    );
    const placed = (await finished) as SimulatedCall[];
    const ids = placed.map(idOf);
    await eventually(
      async () =>
        (
          await query(
            `SELECT call_id FROM recordings WHERE call_id = ANY($1) AND state = 'complete'`,
            [ids],
          )
        ).length === ids.length,
      30_000,
      'the recordings to complete',
    );
    const recordings = await query<{ call_id: string; duration_ms: number }>(
      `SELECT call_id, duration_ms FROM recordings WHERE call_id = ANY($1)`,
      [ids],
    );
    const wrong = recordings
      .map((recording) => {
        const call = placed.find((c) => idOf(c) === recording.call_id) as SimulatedCall;
        const talkMs = (call.endedAt ?? 0) - (call.answeredAt ?? 0);
        return { ...recording, talkMs, retapped: retapped.has(recording.call_id) };
      })
      .filter((r) => Math.abs(r.duration_ms - r.talkMs) > 1000);
    expect(retapped.size).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  }, 120_000);

  it('stops cleanly on SIGTERM', async () => {
    expect(await logger.stop()).toMatchObject({ code: 0 });
  });
});
