import { DataSource } from 'typeorm';
import {
  CALL_RECORD_ENTITIES,
  CALL_RECORD_MIGRATIONS,
  CALL_RECORDS_MIGRATIONS_TABLE,
} from '@asb/call-records';
import type { CallEvent } from '@asb/contracts';
import { CallScript, dropDatabase, freshDatabase } from '../__tests__/call-logger-harness';
import { CallRecordsRepository, StoredCallEvent } from './call-records.repository';

const DATABASE = `asb_test_logger_repo_${process.pid}`;
const T0 = Date.parse('2026-01-05T10:00:00.000Z');

let sequence = 0;
const stored = (...events: CallEvent[]): StoredCallEvent[] =>
  events.map((event) => ({ event, streamSequence: (sequence += 1) }));

describe('CallRecordsRepository (real PostgreSQL)', () => {
  let dataSource: DataSource;
  let repository: CallRecordsRepository;

  const callRow = async (callId: string) =>
    (await dataSource.query(`SELECT * FROM calls WHERE call_id = $1`, [callId]))[0];

  beforeAll(async () => {
    dataSource = new DataSource({
      type: 'postgres',
      url: await freshDatabase(DATABASE),
      entities: CALL_RECORD_ENTITIES,
      migrations: CALL_RECORD_MIGRATIONS,
      migrationsTableName: CALL_RECORDS_MIGRATIONS_TABLE,
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
    repository = new CallRecordsRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(DATABASE);
  });

  it('stores each event once however often it is delivered', async () => {
    const call = new CallScript();
    const events = stored(...call.fullCall(T0));
    expect(await repository.writeBatch({ events, deadLetters: [] })).toMatchObject({
      inserted: 7,
      duplicates: 0,
    });
    const again = await repository.writeBatch({ events: [...events, events[0]], deadLetters: [] });
    expect(again).toMatchObject({ inserted: 0, duplicates: 8 });
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM call_events WHERE call_id = $1`,
      [call.callId],
    );
    expect(count).toBe(7);
    expect(await callRow(call.callId)).toMatchObject({ event_count: 7, state: 'ended' });
  });

  it('builds the right call from events that arrive out of order, in separate batches', async () => {
    const call = new CallScript();
    const [started, answered, , , , , ended] = call.fullCall(T0, 8000);
    await repository.writeBatch({ events: stored(ended), deadLetters: [] });
    expect(await callRow(call.callId)).toMatchObject({
      state: 'ended',
      answered_at: null,
      hangup_cause: 16,
    });
    await repository.writeBatch({ events: stored(answered), deadLetters: [] });
    await repository.writeBatch({ events: stored(started), deadLetters: [] });
    expect(await callRow(call.callId)).toMatchObject({
      state: 'ended',
      server: 'pbx1',
      direction: 'outbound',
      context: 'default',
      caller_number: '3125550101',
      callee_number: '8005550100',
      vicidial_call_code: 'V1124150300000012345',
      vicidial_call_type: 'V',
      lead_id: '12345',
      campaign: 'SALES',
      agent: '6001',
      started_at: new Date(T0),
      answered_at: new Date(T0 + 1000),
      ended_at: new Date(T0 + 9000),
      duration_ms: 9000,
      talk_ms: 8000,
      hangup_cause: 16,
      hangup_cause_text: 'Normal Clearing',
      event_count: 3,
    });
  });

  it("keeps what VICIdial's database said of a call, and its latest disposition after the end", async () => {
    const call = new CallScript();
    const [started, answered, , , , , ended] = call.fullCall(T0, 8000);
    await repository.writeBatch({
      events: stored(started, answered, call.enriched(T0 + 1500), ended),
      deadLetters: [],
    });
    await repository.writeBatch({
      events: stored(call.disposition(T0 + 20_000, 'CALLBK')),
      deadLetters: [],
    });
    await repository.writeBatch({
      events: stored(call.disposition(T0 + 60_000, 'SALE')),
      deadLetters: [],
    });
    expect(await callRow(call.callId)).toMatchObject({
      state: 'ended',
      ended_at: new Date(T0 + 9000),
      campaign: 'SALES',
      campaign_name: 'Outbound sales',
      list_id: '101',
      agent: '6001',
      agent_name: 'Ada Agent',
      agent_phone: 'SIP/6001',
      conference: '9600051',
      vicidial_status: 'SALE',
      term_reason: 'AGENT',
    });
  });

  it('builds the same call from a whole call delivered backwards in one batch', async () => {
    const call = new CallScript();
    await repository.writeBatch({
      events: stored(...call.fullCall(T0, 3000).reverse()),
      deadLetters: [],
    });
    expect(await callRow(call.callId)).toMatchObject({
      state: 'ended',
      duration_ms: 4000,
      talk_ms: 3000,
      tapped: true,
    });
    const streams = await dataSource.query(
      `SELECT track, state, codec, sample_rate, gateway_id, gateway_port, stop_reason, tap_started_at
       FROM streams WHERE call_id = $1 ORDER BY track`,
      [call.callId],
    );
    expect(streams).toEqual([
      expect.objectContaining({
        track: 'agent',
        state: 'stopped',
        codec: 'ulaw',
        gateway_port: 40000,
      }),
      expect.objectContaining({
        track: 'caller',
        state: 'stopped',
        sample_rate: 8000,
        gateway_id: 'gw-test',
        stop_reason: 'call_ended',
        tap_started_at: new Date(T0 + 1100),
      }),
    ]);
  });

  it('keeps a call answered until its end arrives', async () => {
    const call = new CallScript();
    await repository.writeBatch({
      events: stored(call.answered(T0 + 1000), call.started(T0)),
      deadLetters: [],
    });
    expect(await callRow(call.callId)).toMatchObject({
      state: 'answered',
      duration_ms: null,
      talk_ms: null,
      ended_at: null,
    });
  });

  it('gives a call whose end was found, not seen, the window of its end and no made-up durations', async () => {
    const call = new CallScript();
    // Last known up 2 min after its start (the instance that stopped said so); found gone 12 s later.
    await repository.writeBatch({
      events: stored(
        call.started(T0),
        call.answered(T0 + 1000),
        call.tapStarted('caller', T0 + 1100),
        call.endFound(T0 + 132_000, T0 + 120_000),
      ),
      deadLetters: [],
    });
    expect(await callRow(call.callId)).toMatchObject({
      state: 'ended',
      ended_at: null,
      end_not_before: new Date(T0 + 120_000),
      end_not_after: new Date(T0 + 132_000),
      duration_ms: null,
      talk_ms: null,
      end_reconciled: true,
    });
    const [stream] = await dataSource.query(
      `SELECT state, tap_stopped_at FROM streams WHERE call_id = $1`,
      [call.callId],
    );
    expect(stream).toEqual({ state: 'stopped', tap_stopped_at: new Date(T0 + 132_000) });

    // Without lastSeenAt, the call's latest event is the best lower bound.
    const other = new CallScript();
    await repository.writeBatch({
      events: stored(other.started(T0), other.answered(T0 + 1000), other.endFound(T0 + 60_000)),
      deadLetters: [],
    });
    expect(await callRow(other.callId)).toMatchObject({
      state: 'ended',
      ended_at: null,
      end_not_before: new Date(T0 + 1000),
      end_not_after: new Date(T0 + 60_000),
    });

    // A real end seen afterwards (another instance saw the hangup) is the end.
    await repository.writeBatch({ events: stored(other.ended(T0 + 30_000)), deadLetters: [] });
    expect(await callRow(other.callId)).toMatchObject({
      ended_at: new Date(T0 + 30_000),
      end_not_before: null,
      end_not_after: null,
      duration_ms: 30_000,
    });
  });

  it('keeps the verdicts raised on a call and its talk summary, which is no sign of life', async () => {
    const call = new CallScript();
    await repository.writeBatch({
      events: stored(
        call.started(T0),
        call.answered(T0 + 1000),
        call.audioVerdict(T0 + 12_000, 'silent_track', 'raised'),
        call.audioVerdict(T0 + 31_000, 'one_way_audio', 'raised'),
        call.audioVerdict(T0 + 40_000, 'silent_track', 'cleared'),
        call.endFound(T0 + 90_000, T0 + 60_000),
      ),
      deadLetters: [],
    });
    expect(await callRow(call.callId)).toMatchObject({
      audio_verdicts: ['one_way_audio', 'silent_track'],
      talk_heard_s: null,
    });
    // The summary comes after the end; the end window must not move with it.
    await repository.writeBatch({ events: stored(call.talkSummary(T0 + 95_000)), deadLetters: [] });
    expect(await callRow(call.callId)).toMatchObject({
      end_not_before: new Date(T0 + 60_000),
      end_not_after: new Date(T0 + 90_000),
      talk_heard_s: 58.2,
      customer_talk_s: 30.5,
      agent_talk_s: 20.1,
      overlap_s: 1.5,
      longest_silence_s: 3.2,
    });
    const plain = new CallScript();
    await repository.writeBatch({ events: stored(...plain.fullCall(T0)), deadLetters: [] });
    expect(await callRow(plain.callId)).toMatchObject({ audio_verdicts: [], talk_heard_s: null });
  });

  it('keeps the conversation a call is a leg of: its own until an event links it to another', async () => {
    const first = new CallScript();
    const leg = new CallScript();
    await repository.writeBatch({
      events: stored(first.started(T0), leg.started(T0 + 60_000)),
      deadLetters: [],
    });
    expect(await callRow(leg.callId)).toMatchObject({ conversation_id: leg.callId });
    const linked = leg.answered(T0 + 61_000);
    if (linked.event !== 'answered') throw new Error('not an answer');
    await repository.writeBatch({
      events: stored({ ...linked, conversationId: first.callId }),
      deadLetters: [],
    });
    expect(await callRow(leg.callId)).toMatchObject({ conversation_id: first.callId });
    expect(await callRow(first.callId)).toMatchObject({ conversation_id: first.callId });
  });

  it('stops a tap whose tap_stopped never came when its call ends', async () => {
    const call = new CallScript();
    await repository.writeBatch({
      events: stored(call.tapStarted('agent', T0 + 1100)),
      deadLetters: [],
    });
    const state = async () =>
      (
        await dataSource.query(
          `SELECT state, tap_stopped_at, stop_reason FROM streams WHERE call_id = $1`,
          [call.callId],
        )
      )[0];
    expect(await state()).toEqual({ state: 'tapped', tap_stopped_at: null, stop_reason: null });
    await repository.writeBatch({ events: stored(call.ended(T0 + 5000)), deadLetters: [] });
    expect(await state()).toEqual({
      state: 'stopped',
      tap_stopped_at: new Date(T0 + 5000),
      stop_reason: 'call_ended',
    });
  });

  it('records egress streams from egress_started and egress_stopped', async () => {
    const call = new CallScript();
    await repository.writeBatch({
      events: stored(call.egressStopped('MZ1', T0 + 9000), call.egressStarted('MZ1', T0 + 2000)),
      deadLetters: [],
    });
    const [egress] = await dataSource.query(`SELECT * FROM egress_streams WHERE call_id = $1`, [
      call.callId,
    ]);
    expect(egress).toMatchObject({
      stream_id: 'MZ1',
      direction: 'outbound',
      target: 'wss://ai.example.com/listen',
      format: 'twilio',
      tracks: ['caller', 'agent'],
      started_at: new Date(T0 + 2000),
      stopped_at: new Date(T0 + 9000),
      stop_reason: 'call_ended',
      frames_sent: '250',
      frames_dropped: '2',
      reconnects: 1,
    });
  });

  it('parks a dead letter once per stored message, with its body intact', async () => {
    const deadLetter = {
      source: 'call_event' as const,
      subject: 'call.v1.x.started',
      reason: 'malformed_json',
      error: 'Unexpected token',
      payload: Buffer.from([0x7b, 0x00, 0xff]),
      streamSequence: 987_654,
      deliveryCount: 1,
    };
    await repository.writeBatch({ events: [], deadLetters: [deadLetter, deadLetter] });
    await repository.writeBatch({ events: [], deadLetters: [{ ...deadLetter, deliveryCount: 2 }] });
    const rows = await dataSource.query(
      `SELECT reason, payload, delivery_count FROM dead_letters WHERE stream_sequence = 987654`,
    );
    expect(rows).toEqual([
      { reason: 'malformed_json', payload: Buffer.from([0x7b, 0x00, 0xff]), delivery_count: 1 },
    ]);
  });

  describe("the dashboard's queries use the indexes", () => {
    beforeAll(async () => {
      // 50,000 calls over 50 days: enough rows that the planner prefers an index whenever it can.
      await dataSource.query(`
        INSERT INTO calls (call_id, conversation_id, server, channel_id, channel_name, state,
                           started_at, ended_at, caller_number, callee_number, lead_id, campaign,
                           agent, event_count, last_event_at)
        SELECT 'load-' || n, 'load-' || n, 'pbx' || (n % 3), n || '.1', 'SIP/carrier-' || n,
               CASE WHEN n % 100 = 0 THEN 'answered' WHEN n % 100 = 1 THEN 'started' ELSE 'ended' END,
               timestamptz '2026-01-01' + n * interval '86 seconds',
               timestamptz '2026-01-01' + n * interval '86 seconds' + interval '2 minutes',
               '312' || lpad((n % 9999991)::text, 7, '0'), '800555' || lpad((n % 9973)::text, 4, '0'),
               n * 7, 'CAMP' || (n % 400), 'agent' || (n % 300), 6, now()
        FROM generate_series(1, 50000) AS n`);
      await dataSource.query(`
        INSERT INTO call_events (event_id, call_id, event_type, occurred_at, payload)
        SELECT gen_random_uuid(), 'load-' || (n / 6), 'updated', now(), '{}'::jsonb
        FROM generate_series(1, 60000) AS n`);
      await dataSource.query(`
        INSERT INTO stream_health_samples (call_id, track, sampled_at, gateway_id, packets, bytes, lost,
          duplicates, reordered, late, rejected, jitter_ms, last_packet_age_ms, level_dbfs, stalled)
        SELECT 'load-' || (n / 50), 'caller', timestamptz '2026-01-01' + n * interval '5 seconds', 'gw',
               n, n * 160, 0, 0, 0, 0, 0, 1, 20, -30, false
        FROM generate_series(1, 100000) AS n`);
      await dataSource.query(`ANALYZE`);
    }, 60_000);

    async function plan(sql: string, params: unknown[] = []): Promise<string> {
      const rows: Array<{ 'QUERY PLAN': unknown }> = await dataSource.query(
        `EXPLAIN (FORMAT JSON) ${sql}`,
        params,
      );
      return JSON.stringify(rows[0]['QUERY PLAN']);
    }

    it.each([
      [
        'a time range, newest first',
        `SELECT * FROM calls WHERE started_at >= $1 AND started_at < $2 ORDER BY started_at DESC LIMIT 50`,
        ['2026-01-10', '2026-01-11'],
        'calls_started_at_idx',
      ],
      [
        'live calls (by state)',
        `SELECT * FROM calls WHERE state = 'answered' ORDER BY started_at DESC LIMIT 50`,
        [],
        'calls_state_started_at_idx',
      ],
      [
        'a number',
        `SELECT * FROM calls WHERE caller_number = $1`,
        ['3120001234'],
        'calls_caller_number_idx',
      ],
      [
        'a number prefix',
        `SELECT * FROM calls WHERE callee_number LIKE '80055512%'`,
        [],
        'calls_callee_number_idx',
      ],
      ['a lead id', `SELECT * FROM calls WHERE lead_id = $1`, [7000], 'calls_lead_id_idx'],
      [
        'a campaign over a time range',
        `SELECT * FROM calls WHERE campaign = $1 AND started_at >= $2 ORDER BY started_at DESC LIMIT 50`,
        ['CAMP7', '2026-01-10'],
        'calls_campaign_started_at_idx',
      ],
      [
        "a call's timeline",
        `SELECT * FROM call_events WHERE call_id = $1 ORDER BY occurred_at`,
        ['load-77'],
        'call_events_call_id_occurred_at_idx',
      ],
      [
        "a stream's health history",
        `SELECT * FROM stream_health_samples WHERE call_id = $1 AND track = $2 ORDER BY sampled_at`,
        ['load-77', 'caller'],
        'stream_health_samples_pkey',
      ],
    ])('%s', async (_what, sql, params, index) => {
      const text = await plan(sql, params);
      expect(text).toContain(`"Index Name":"${index}"`);
      expect(text).not.toMatch(
        /"Node Type":"Seq Scan","Parent Relationship":"Outer","Parallel Aware":false,"Async Capable":false,"Relation Name":"calls"/,
      );
    });
  });
});
