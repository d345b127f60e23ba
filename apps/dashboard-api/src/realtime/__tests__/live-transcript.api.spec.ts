import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import {
  encodeTranscriptSegment,
  SCHEMA_VERSION,
  TranscriptSegment,
  transcriptSubject,
} from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import {
  ADMIN,
  createCallRecordTables,
  eventually,
  freshDatabase,
  startApi,
  TestApi,
  TestNats,
  uniqueCallId,
} from '../../__tests__/dashboard-api-harness';

function segment(
  callId: string,
  kind: 'partial' | 'final',
  overrides: Partial<TranscriptSegment> = {},
): TranscriptSegment {
  return {
    schemaVersion: SCHEMA_VERSION,
    segmentId: randomUUID(),
    callId,
    track: 'caller',
    kind,
    span: {
      runId: 'run-1',
      startSample: 8000,
      endSample: 16_000,
      sampleRate: 8000,
      startAt: 1_796_300_001_000,
      endAt: 1_796_300_002_000,
    },
    text: '',
    producer: { name: 'speech-activity', version: '1' },
    occurredAt: new Date().toISOString(),
    ...overrides,
  };
}

/** The transcript segments one dashboard socket received. */
function received(socket: Socket): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  socket.on('transcript', (value: TranscriptSegment) => segments.push(value));
  return segments;
}

describe('dashboard-api transcripts: live relay over socket.io and the stored finals (real NATS, PostgreSQL)', () => {
  let nats: TestNats;
  let api: TestApi;
  let db: Client;
  let viewer: string;
  let admin: string;

  beforeAll(async () => {
    nats = await TestNats.start();
    const databaseUrl = await freshDatabase('asb_dashboard_api_transcripts');
    await createCallRecordTables(databaseUrl);
    api = await startApi(nats, databaseUrl);
    admin = await api.login(ADMIN.username, ADMIN.password);
    await api.request('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'reader', password: 'reader password', role: 'viewer' },
    });
    viewer = await api.login('reader', 'reader password');
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await api?.close();
    await nats?.stop();
  });

  const publish = (value: TranscriptSegment) => {
    const { subject, data } = encodeTranscriptSegment(value);
    nats.nc.publish(subject, data);
  };

  it('relays the segments of a watched call, and only of it, until it is unwatched', async () => {
    const watched = uniqueCallId();
    const other = uniqueCallId();
    const dashboard = api.socket(admin);
    const segments = received(dashboard);
    const sentinel = api.socket(admin);
    const sentinelSegments = received(sentinel);
    expect(
      await dashboard.timeout(5000).emitWithAck('transcript:watch', { callId: watched }),
    ).toEqual({ ok: true, callId: watched });
    expect(
      await sentinel.timeout(5000).emitWithAck('transcript:watch', { callId: watched }),
    ).toEqual({ ok: true, callId: watched });

    const partial = segment(watched, 'partial');
    const final = { ...partial, kind: 'final' as const, occurredAt: new Date().toISOString() };
    publish(segment(other, 'final'));
    publish(partial);
    publish({ ...segment(watched, 'partial'), track: 'agent' });
    publish(final);
    await eventually(() => segments.length === 3, 5000, 'three segments of the watched call');
    expect(segments.map((s) => [s.segmentId, s.kind, s.track])).toEqual([
      [partial.segmentId, 'partial', 'caller'],
      [expect.any(String), 'partial', 'agent'],
      [partial.segmentId, 'final', 'caller'],
    ]);
    expect(segments.every((s) => s.callId === watched)).toBe(true);

    // Invalid messages are counted, never relayed.
    nats.nc.publish(transcriptSubject(watched, 'caller'), '{"not json');
    await dashboard.timeout(5000).emitWithAck('transcript:unwatch', { callId: watched });
    const last = segment(watched, 'final');
    publish(last);
    await eventually(
      () => sentinelSegments.some((s) => s.segmentId === last.segmentId),
      5000,
      'the sentinel socket getting the last segment',
    );
    expect(segments).toHaveLength(3);
    const metric = api.app
      .get(MetricsRegistry)
      .registry.getSingleMetric('dashboard_live_invalid_messages_total');
    const refused = ((await metric?.get())?.values ?? []).filter(
      (value) => value.labels['kind'] === 'transcript',
    );
    expect(refused.map((value) => [value.labels['reason'], value.value])).toEqual([
      ['malformed_json', 1],
    ]);
  });

  it('refuses a watch of an invalid call id', async () => {
    const dashboard = api.socket(admin);
    const reply = (await dashboard
      .timeout(5000)
      .emitWithAck('transcript:watch', { callId: 'bad.id' })) as { ok: boolean; error?: string };
    expect(reply.ok).toBe(false);
    expect(reply.error).toMatch(/callId/);
  });

  it("keeps a call's transcript from viewers, and audits every admin's watch", async () => {
    const callId = uniqueCallId();
    const viewing = api.socket(viewer);
    const segments = received(viewing);
    expect(await viewing.timeout(5000).emitWithAck('transcript:watch', { callId })).toEqual({
      ok: false,
      error: 'following a transcript needs the admin role',
    });
    expect(
      (await api.request('GET', `/api/v1/calls/${callId}/transcript`, { token: viewer })).status,
    ).toBe(403);
    const watching = api.socket(admin);
    const relayed = received(watching);
    await watching.timeout(5000).emitWithAck('transcript:watch', { callId });
    publish(segment(callId, 'final'));
    await eventually(() => relayed.length === 1, 5000, "the admin's segment");
    expect(segments).toHaveLength(0);
    // Nothing is stored for it yet: reading that reveals nothing, and is not audited.
    await api.request('GET', `/api/v1/calls/${callId}/transcript`, { token: admin });
    const audit = await db.query<{ action: string; username: string }>(
      `SELECT action, username FROM audit_log WHERE call_id = $1 ORDER BY occurred_at`,
      [callId],
    );
    expect(audit.rows).toEqual([{ action: 'transcript_watched', username: ADMIN.username }]);
  });

  it('serves the stored finals of a call, in spoken order, to admins only', async () => {
    const callId = uniqueCallId();
    const later = randomUUID();
    const earlier = randomUUID();
    await db.query(
      `INSERT INTO transcript_segments (segment_id, call_id, track, run_id, start_sample, end_sample,
         sample_rate, start_at, end_at, text, confidence, producer_name, producer_version, occurred_at, stream_sequence)
       VALUES ($1, $3, 'agent', 'run-1', 24000, 32000, 8000, to_timestamp(1796300003), to_timestamp(1796300004), 'thank you', 0.9, 'asr', '2', now(), 2),
              ($2, $3, 'caller', 'run-1', 8000, 16000, 8000, to_timestamp(1796300001), to_timestamp(1796300002), '', NULL, 'speech-activity', NULL, now(), 1)`,
      [later, earlier, callId],
    );
    const response = await api.request('GET', `/api/v1/calls/${callId}/transcript`, {
      token: admin,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { callId: string; segments: TranscriptSegment[] };
    expect(body.callId).toBe(callId);
    expect(body.segments).toEqual([
      expect.objectContaining({
        segmentId: earlier,
        track: 'caller',
        kind: 'final',
        text: '',
        producer: { name: 'speech-activity' },
        span: expect.objectContaining({ startSample: 8000, startAt: 1_796_300_001_000 }),
      }),
      expect.objectContaining({
        segmentId: later,
        track: 'agent',
        text: 'thank you',
        confidence: expect.closeTo(0.9, 5),
        producer: { name: 'asr', version: '2' },
      }),
    ]);

    const reads = await db.query<{ action: string; detail: unknown }>(
      `SELECT action, detail FROM audit_log WHERE call_id = $1`,
      [callId],
    );
    expect(reads.rows).toEqual([{ action: 'transcript_read', detail: { segments: 2 } }]);
    expect((await api.request('GET', `/api/v1/calls/${callId}/transcript`)).status).toBe(401);
    const badId = await api.request('GET', '/api/v1/calls/bad.id/transcript', { token: admin });
    expect(badId.status).toBe(400);
    const none = await api.request('GET', `/api/v1/calls/${uniqueCallId()}/transcript`, {
      token: admin,
    });
    expect(await none.json()).toEqual(expect.objectContaining({ segments: [] }));
  });
});
