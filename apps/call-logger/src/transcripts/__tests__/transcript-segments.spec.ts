import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { nanos, StorageType } from 'nats';
import type { Client } from 'pg';
import {
  encodeTranscriptSegment,
  SCHEMA_VERSION,
  TranscriptSegment,
  transcriptSubject,
  TRANSCRIPTS_STREAM,
} from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import { freePort, NatsTestServer } from '@asb/testing';
import {
  BridgeTraffic,
  databaseClient,
  dropDatabase,
  eventually,
  freshDatabase,
  readiness,
  startLogger,
  uniqueCallId,
} from '../../__tests__/call-logger-harness';

const DATABASE = `asb_test_logger_transcripts_${process.pid}`;

/** A segment of the call, as a worker publishes it. */
function segment(
  callId: string,
  overrides: Partial<TranscriptSegment> & Pick<TranscriptSegment, 'segmentId' | 'kind'>,
): TranscriptSegment {
  return {
    schemaVersion: SCHEMA_VERSION,
    callId,
    track: 'caller',
    span: {
      runId: 'run-1',
      startSample: 8000,
      endSample: 24_000,
      sampleRate: 8000,
      startAt: 1_796_300_001_000,
      endAt: 1_796_300_003_000,
    },
    text: '',
    producer: { name: 'speech-activity', version: '1' },
    occurredAt: new Date().toISOString(),
    ...overrides,
  };
}

describe('call-logger storing transcript segments (real NATS and PostgreSQL)', () => {
  let nats: NatsTestServer;
  let databaseUrl: string;
  let app: INestApplication | undefined;
  let worker: BridgeTraffic;
  let db: Client;

  async function startTheLogger(): Promise<INestApplication> {
    const started = await startLogger({
      natsUrl: nats.url,
      databaseUrl,
      env: { RECORDINGS_ENABLED: 'false', TRANSCRIPTS_MAX_AGE_HOURS: '6' },
    });
    await eventually(
      async () => Object.values(await readiness(started)).every(Boolean),
      30_000,
      'readiness',
    );
    return started;
  }

  /** Published on plain NATS, as a worker does; the stream keeps it. */
  function publish(value: TranscriptSegment): void {
    const { subject, data } = encodeTranscriptSegment(value);
    worker.nc.publish(subject, data);
  }

  const rows = async (callId: string) =>
    (
      await db.query(
        `SELECT segment_id, track, text, confidence, start_sample, end_sample, start_at, end_at, producer_name
         FROM transcript_segments WHERE call_id = $1 ORDER BY start_sample`,
        [callId],
      )
    ).rows;

  const refused = async (logger: INestApplication) => {
    const metric = logger
      .get(MetricsRegistry)
      .registry.getSingleMetric('call_logger_messages_refused_total');
    return ((await metric?.get())?.values ?? [])
      .filter((value) => value.labels['source'] === 'transcript')
      .reduce((sum, value) => sum + value.value, 0);
  };

  beforeAll(async () => {
    nats = new NatsTestServer(await freePort());
    await nats.start();
    databaseUrl = await freshDatabase(DATABASE);
    db = await databaseClient(databaseUrl);
    app = await startTheLogger();
    worker = await BridgeTraffic.connect(nats.url);
    const jsm = await worker.nc.jetstreamManager();
    await eventually(
      () =>
        jsm.consumers.info(TRANSCRIPTS_STREAM, 'call-logger').then(
          () => true,
          () => false,
        ),
      20_000,
      'the TRANSCRIPTS stream and its consumer',
    );
  }, 90_000);

  afterAll(async () => {
    await worker?.close();
    await app?.close();
    await db?.end();
    await nats?.dispose();
    await dropDatabase(DATABASE);
  });

  it('provisions the TRANSCRIPTS stream on transcript.v1.> in files, for the configured age', async () => {
    const info = await (await worker.nc.jetstreamManager()).streams.info(TRANSCRIPTS_STREAM);
    expect(info.config.subjects).toEqual(['transcript.v1.>']);
    expect(info.config.storage).toBe(StorageType.File);
    expect(info.config.max_age).toBe(nanos(6 * 3600 * 1000));
  });

  it('stores finals once per segment, the newest winning, and acknowledges partials without storing them', async () => {
    const callId = uniqueCallId();
    const spoken = randomUUID();
    const repeated = randomUUID();
    const onlyPartial = randomUUID();
    publish(segment(callId, { segmentId: spoken, kind: 'partial', text: 'hel' }));
    publish(segment(callId, { segmentId: spoken, kind: 'final', text: 'hello' }));
    // A later final of the same segment (the recogniser changed its mind) replaces it.
    publish(
      segment(callId, { segmentId: spoken, kind: 'final', text: 'hello there', confidence: 0.8 }),
    );
    const agentFinal = segment(callId, {
      segmentId: repeated,
      kind: 'final',
      track: 'agent',
      span: {
        runId: 'run-1',
        startSample: 32_000,
        endSample: 40_000,
        sampleRate: 8000,
        startAt: 1_796_300_004_000,
        endAt: 1_796_300_005_000,
      },
    });
    publish(agentFinal);
    publish(agentFinal);
    publish(segment(callId, { segmentId: onlyPartial, kind: 'partial', text: 'still talking' }));
    await worker.flush();

    await eventually(
      async () => {
        const stored = await rows(callId);
        return stored.length === 2 && stored[0].text === 'hello there';
      },
      15_000,
      'both finals stored, the later one of the first segment winning',
    );
    const [first, second] = await rows(callId);
    expect(first).toMatchObject({
      segment_id: spoken,
      track: 'caller',
      text: 'hello there',
      start_sample: '8000',
      end_sample: '24000',
      producer_name: 'speech-activity',
    });
    expect(first.confidence).toBeCloseTo(0.8);
    expect((first.start_at as Date).getTime()).toBe(1_796_300_001_000);
    expect((first.end_at as Date).getTime()).toBe(1_796_300_003_000);
    expect(second).toMatchObject({ segment_id: repeated, track: 'agent', text: '' });

    // Everything was acknowledged: partials too, though none of them is a row.
    const jsm = await worker.nc.jetstreamManager();
    await eventually(
      async () => {
        const consumer = await jsm.consumers.info(TRANSCRIPTS_STREAM, 'call-logger');
        return consumer.num_pending === 0 && consumer.num_ack_pending === 0;
      },
      10_000,
      'every segment acknowledged',
    );
  });

  it('refuses, counts and parks invalid messages, and goes on storing', async () => {
    const logger = app as INestApplication;
    const before = await refused(logger);
    const callId = uniqueCallId();
    const valid = segment(callId, { segmentId: randomUUID(), kind: 'final' });
    const subject = transcriptSubject(callId, 'caller');
    const bad = [
      '{"not json',
      JSON.stringify({ ...valid, confidence: 2 }),
      // The body names the agent's track, the subject the caller's.
      JSON.stringify({ ...valid, track: 'agent' }),
      // Contract-valid, but PostgreSQL text cannot hold U+0000.
      JSON.stringify({ ...valid, segmentId: randomUUID(), text: 'a\u0000b' }),
    ];
    for (const body of bad) worker.nc.publish(subject, body);
    publish(valid);
    await worker.flush();

    await eventually(
      async () =>
        Number(
          (
            await db.query(
              `SELECT count(*) FROM dead_letters WHERE source = 'transcript' AND subject = $1`,
              [subject],
            )
          ).rows[0].count,
        ) === bad.length && (await rows(callId)).length === 1,
      15_000,
      'every bad message parked and the good one stored',
    );
    const reasons = (
      await db.query(
        `SELECT reason FROM dead_letters WHERE source = 'transcript' AND subject = $1 ORDER BY stream_sequence`,
        [subject],
      )
    ).rows.map((row) => row.reason);
    expect(reasons).toEqual([
      'malformed_json',
      'invalid_payload',
      'subject_payload_mismatch',
      'unstorable_text',
    ]);
    expect((await refused(logger)) - before).toBe(bad.length);
  });

  it('stores a final published while call-logger was down once it is back', async () => {
    await app?.close();
    app = undefined;
    const callId = uniqueCallId();
    const segmentId = randomUUID();
    publish(segment(callId, { segmentId, kind: 'final', text: 'while you were away' }));
    await worker.flush();
    app = await startTheLogger();
    await eventually(
      async () => (await rows(callId)).some((row) => row.text === 'while you were away'),
      20_000,
      'the final published during the outage',
    );
  }, 60_000);
});
