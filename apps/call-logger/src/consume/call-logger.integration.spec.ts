import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Client } from 'pg';
import { CALL_EVENTS_STREAM } from '@asb/contracts';
import {
  LoggerTestBed,
  BridgeTraffic,
  CallScript,
  eventually,
  readiness,
  sleep,
  statsSample,
} from '../__tests__/call-logger-harness';
import type { RecordingState } from '@asb/call-records';
import { RecordingsRepository } from '../recordings/recordings.repository';
import { RetentionSweep } from '../recordings/retention-sweep.service';

const DATABASE = `asb_test_logger_it_${process.pid}`;
const FRAME = 160;

/** Deterministic noise, different for each seed, as a track's audio. */
function noise(seed: number, length: number): Int16Array {
  let state = seed;
  return Int16Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return (state % 20000) - 10000;
  });
}

function readWav(path: string) {
  const file = readFileSync(path);
  const channels = file.readUInt16LE(22);
  const data = new Int16Array(file.buffer, file.byteOffset + 44, file.readUInt32LE(40) / 2);
  const channel = (index: number) => data.filter((_, i) => i % channels === index);
  return { file, channels, sampleRate: file.readUInt32LE(24), channel };
}

describe('call-logger against real NATS and PostgreSQL', () => {
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-recordings-'));
  let bed: LoggerTestBed;
  let app: INestApplication;
  let bridge: BridgeTraffic;
  let db: Client;

  const rows = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query(sql, params)).rows[0].count);
  /** The call's recording row, once the file is complete. */
  const completedRecording = async (callId: string) => {
    await eventually(
      async () =>
        (await count(`SELECT count(*) FROM recordings WHERE call_id = $1 AND state = 'complete'`, [
          callId,
        ])) === 1,
      10_000,
      'the recording to complete',
    );
    const [recording] = await rows(`SELECT * FROM recordings WHERE call_id = $1`, [callId]);
    return recording;
  };

  beforeAll(async () => {
    bed = await LoggerTestBed.start(DATABASE, {
      RECORDINGS_DIR: recordingsDir,
      STATS_SAMPLE_INTERVAL_MS: '5000',
      // Far above what the other tests record; the size test below adds recordings that exceed it.
      RECORDINGS_MAX_TOTAL_MB: '1',
    });
    ({ app, bridge, db } = bed);
  }, 60_000);

  afterAll(async () => {
    await bed?.stop();
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it('reports ready on exactly nats, jetstream and database', async () => {
    expect(Object.keys(await readiness(app)).sort()).toEqual(['database', 'jetstream', 'nats']);
  });

  it('records each event once and the right call, whatever the order and however often delivered', async () => {
    const call = new CallScript();
    const events = call.fullCall(Date.now() - 10_000, 6000);
    for (const event of [...events].reverse()) await bridge.event(event);
    // The same events again under other message ids, which JetStream's de-duplication lets through.
    for (const event of events) await bridge.event(event, `${event.eventId}-again`);
    await eventually(
      async () =>
        (await count(`SELECT count(*) FROM call_events WHERE call_id = $1`, [call.callId])) === 7 &&
        (await count(`SELECT count(*) FROM calls WHERE call_id = $1 AND state = 'ended'`, [
          call.callId,
        ])) === 1,
      10_000,
      'the call to be recorded',
    );
    await sleep(300);
    expect(await count(`SELECT count(*) FROM call_events WHERE call_id = $1`, [call.callId])).toBe(
      7,
    );
    const [row] = await rows(`SELECT * FROM calls WHERE call_id = $1`, [call.callId]);
    expect(row).toMatchObject({
      state: 'ended',
      duration_ms: 7000,
      talk_ms: 6000,
      lead_id: '12345',
      event_count: 7,
    });
  });

  it('parks a poison message in dead_letters, never redelivers it, and goes on', async () => {
    const call = new CallScript();
    await bridge.raw(`call.v1.${call.callId}.started`, '{not json');
    await bridge.raw(
      `call.v1.${call.callId}.ended`,
      JSON.stringify({ event: 'ended', callId: call.callId }),
    );
    await bridge.event(call.started(Date.now()));
    await eventually(
      async () =>
        (await count(`SELECT count(*) FROM calls WHERE call_id = $1`, [call.callId])) === 1,
      10_000,
      'the valid event after the poison ones',
    );
    const parked = await rows(
      `SELECT source, subject, reason, convert_from(payload, 'UTF8') AS body FROM dead_letters
       WHERE subject LIKE $1 ORDER BY stream_sequence`,
      [`call.v1.${call.callId}.%`],
    );
    expect(parked).toEqual([
      {
        source: 'call_event',
        subject: `call.v1.${call.callId}.started`,
        reason: 'malformed_json',
        body: '{not json',
      },
      expect.objectContaining({
        subject: `call.v1.${call.callId}.ended`,
        reason: 'invalid_payload',
      }),
    ]);
    const jsm = await bridge.nc.jetstreamManager();
    const consumer = await jsm.consumers.info(CALL_EVENTS_STREAM, 'call-logger');
    expect(consumer.num_ack_pending + consumer.num_pending).toBe(0);
  });

  it('keeps every stream healthy state and a downsampled history, and parks bad samples', async () => {
    const call = new CallScript();
    const t0 = Date.now() - 20_000;
    for (let s = 0; s < 12; s += 1) {
      bridge.stats(
        statsSample(call.callId, 'caller', t0 + s * 1000, {
          packets: 50 * (s + 1),
          lost: s >= 6 ? 3 : 0,
          jitterMs: s === 3 ? 9 : 2,
          stalled: s === 6 || s === 7,
          lastPacketAgeMs: s === 6 || s === 7 ? 2500 : 20,
        }),
      );
    }
    bridge.nc.publish(`stats.v1.${call.callId}.agent`, '{"schemaVersion":1}');
    await bridge.flush();
    await eventually(
      async () =>
        (await count(`SELECT count(*) FROM streams WHERE call_id = $1 AND sample_count = 12`, [
          call.callId,
        ])) === 1,
      10_000,
      'the stream health row',
    );
    const [stream] = await rows(`SELECT * FROM streams WHERE call_id = $1`, [call.callId]);
    expect(stream).toMatchObject({
      track: 'caller',
      state: 'tapped',
      codec: 'ulaw',
      packets: '600',
      lost: '3',
      stall_count: 1,
      stalled: false,
      max_jitter_ms: 9,
      jitter_ms: 2,
    });
    expect(stream.loss_ratio).toBeCloseTo(3 / 603, 6);
    const kept = await rows(
      `SELECT extract(epoch FROM sampled_at - $2::timestamptz)::int AS s, stalled FROM stream_health_samples
       WHERE call_id = $1 ORDER BY sampled_at`,
      [call.callId, new Date(t0)],
    );
    // Every 5 s, and every change of the stalled flag (at 6 s and 8 s).
    expect(kept.map((k) => k.s)).toEqual([0, 5, 6, 8]);
    await eventually(
      async () =>
        (await count(`SELECT count(*) FROM dead_letters WHERE subject = $1`, [
          `stats.v1.${call.callId}.agent`,
        ])) === 1,
      5000,
      'the bad sample parked',
    );
  });

  it("records a call's audio as a stereo WAV whose channels are the tracks, gaps as silence", async () => {
    const call = new CallScript();
    const at = Date.now();
    await bridge.event(call.started(at - 2000));
    await bridge.event(call.answered(at - 1000));
    await bridge.event(call.tapStarted('caller', at));
    await bridge.event(call.tapStarted('agent', at));
    const caller = noise(1, 60 * FRAME);
    const agent = noise(2, 60 * FRAME);
    await sleep(300);
    for (let i = 0; i < 60; i += 1) {
      // The caller's frames 20-29 never come: the gateway lost them.
      if (i < 20 || i >= 30)
        bridge.frame(
          call.callId,
          'caller',
          i,
          i * FRAME,
          caller.subarray(i * FRAME, (i + 1) * FRAME),
        );
      if (i >= 3)
        bridge.frame(
          call.callId,
          'agent',
          i - 3,
          (i - 3) * FRAME,
          agent.subarray((i - 3) * FRAME, (i - 2) * FRAME),
        );
      await sleep(20);
    }
    await bridge.flush();
    await bridge.event(call.ended(Date.now()));
    const recording = await completedRecording(call.callId);
    const wav = readWav(recording.path);
    expect(recording).toMatchObject({ channels: 2, sample_rate: 8000, format: 'audio/wav' });
    expect(recording.path).toBe(join(recordingsDir, recording.file_name));
    expect(recording.sha256).toBe(createHash('sha256').update(wav.file).digest('hex'));
    expect(Number(recording.size_bytes)).toBe(wav.file.length);
    expect(wav.channels).toBe(2);

    const tracks = Object.fromEntries(recording.tracks.map((t: { track: string }) => [t.track, t]));
    expect(tracks.caller).toMatchObject({
      channel: 0,
      frames: 50,
      gapSamples: 10 * FRAME,
      lateFrames: 0,
    });
    expect(tracks.agent).toMatchObject({ channel: 1, frames: 57, lateFrames: 0 });
    const expectedCaller = caller.slice();
    expectedCaller.fill(0, 20 * FRAME, 30 * FRAME);
    const left = wav
      .channel(0)
      .slice(tracks.caller.offsetSamples, tracks.caller.offsetSamples + 60 * FRAME);
    expect(left).toEqual(expectedCaller);
    const right = wav
      .channel(1)
      .slice(tracks.agent.offsetSamples, tracks.agent.offsetSamples + 57 * FRAME);
    expect(right).toEqual(agent.slice(0, 57 * FRAME));
    expect(recording.duration_ms).toBeGreaterThanOrEqual(1200);
    expect(recording.duration_ms).toBe(Math.round((wav.channel(0).length * 1000) / 8000));
  });

  it('keeps recording across a re-tap: the new run goes on at its capture time, as long as the call', async () => {
    const call = new CallScript();
    const start = Date.now() - 6000;
    await bridge.event(call.tapStarted('caller', start));
    await sleep(200);
    // Run A for 2 s; then a re-tap (run B, timestamps from 0 again) from 1.9 s to 4.9 s.
    const a = noise(4, 100 * FRAME);
    const b = noise(5, 150 * FRAME);
    for (let i = 0; i < 100; i += 1) {
      bridge.frame(call.callId, 'caller', i, i * FRAME, a.subarray(i * FRAME, (i + 1) * FRAME), {
        capturedAt: start + i * 20,
        runId: 'run-a',
      });
    }
    await bridge.event(call.tapStarted('caller', start + 1900));
    for (let i = 0; i < 150; i += 1) {
      bridge.frame(call.callId, 'caller', i, i * FRAME, b.subarray(i * FRAME, (i + 1) * FRAME), {
        capturedAt: start + 1900 + i * 20,
        runId: 'run-b',
      });
    }
    await bridge.flush();
    await sleep(100);
    await bridge.event(call.ended(Date.now()));
    const recording = await completedRecording(call.callId);
    expect(recording.duration_ms).toBe(4900);
    expect(recording.tracks[0]).toMatchObject({ runs: 2, frames: 250 });
    const samples = readWav(recording.path).channel(0);
    expect(samples.slice(0, 95 * FRAME)).toEqual(a.slice(0, 95 * FRAME));
    // What run A had written already (1.9-2.0 s) stays; run B carries on from there.
    expect(samples.slice(100 * FRAME)).toEqual(b.slice(5 * FRAME));
  });

  it('records a call with one track as mono', async () => {
    const call = new CallScript();
    await bridge.event(call.tapStarted('caller', Date.now()));
    await sleep(200);
    const caller = noise(3, 10 * FRAME);
    for (let i = 0; i < 10; i += 1)
      bridge.frame(
        call.callId,
        'caller',
        i,
        i * FRAME,
        caller.subarray(i * FRAME, (i + 1) * FRAME),
      );
    await bridge.flush();
    await sleep(100);
    await bridge.event(call.ended(Date.now()));
    const recording = await completedRecording(call.callId);
    const wav = readWav(recording.path);
    expect(recording.channels).toBe(1);
    expect(wav.channels).toBe(1);
    expect(wav.channel(0)).toEqual(caller);
  });

  it('deletes the oldest finished recordings beyond RECORDINGS_MAX_TOTAL_MB, and no other', async () => {
    const repository = app.get(RecordingsRepository);
    const recording = (
      name: string,
      minutesAgo: number,
      sizeBytes: number,
      state: RecordingState,
    ) => {
      const fileName = `2030/01/01/${name}.wav`;
      mkdirSync(join(recordingsDir, '2030/01/01'), { recursive: true });
      writeFileSync(join(recordingsDir, fileName), 'RIFF');
      const startedAt = new Date(Date.now() - minutesAgo * 60_000).toISOString();
      return {
        callId: `${name}-${process.pid}`,
        state,
        path: join(recordingsDir, fileName),
        fileName,
        sampleRate: 8000,
        channels: 1,
        tracks: [],
        startedAt,
        ...(state === 'recording' ? {} : { endedAt: startedAt, durationMs: 1000, sizeBytes }),
      };
    };
    // 0.6 MB each: the newest fits beside the small real recordings, the two older do not,
    // except the one still being written, which stays whatever its age.
    const newest = recording('size-newest', 60, 600_000, 'complete');
    const older = recording('size-older', 120, 600_000, 'complete');
    const oldest = recording('size-oldest', 180, 600_000, 'failed');
    const writing = recording('size-writing', 240, 0, 'recording');
    await repository.upsert([newest, older, oldest, writing]);

    expect(await app.get(RetentionSweep).sweep(new Date())).toEqual({
      recordings: 0,
      orphans: 0,
      overLimit: 2,
    });
    const left = (await rows(`SELECT call_id FROM recordings WHERE call_id LIKE 'size-%'`)).map(
      (row) => row.call_id,
    );
    expect(left.sort()).toEqual([newest.callId, writing.callId].sort());
    expect([newest, older, oldest, writing].map((r) => existsSync(r.path))).toEqual([
      true,
      false,
      false,
      true,
    ]);
    await db.query(`DELETE FROM recordings WHERE call_id LIKE 'size-%'`);
    rmSync(join(recordingsDir, '2030'), { recursive: true, force: true });
  });

  it('deletes expired recordings with their rows, and orphan files, at retention', async () => {
    const files = await rows(`SELECT call_id, path FROM recordings`);
    expect(files.length).toBeGreaterThan(0);
    const orphan = join(recordingsDir, '2020/01/01/orphan.wav');
    mkdirSync(join(recordingsDir, '2020/01/01'), { recursive: true });
    writeFileSync(orphan, 'RIFF');
    utimesSync(orphan, new Date('2020-01-01'), new Date('2020-01-01'));
    const sweep = app.get(RetentionSweep);

    expect(await sweep.sweep(new Date())).toEqual({ recordings: 0, orphans: 1, overLimit: 0 });
    expect(existsSync(orphan)).toBe(false);
    expect(files.every((f) => existsSync(f.path))).toBe(true);

    const later = new Date(Date.now() + 31 * 24 * 3600_000);
    expect(await sweep.sweep(later)).toEqual({
      recordings: files.length,
      orphans: 0,
      overLimit: 0,
    });
    expect(await count(`SELECT count(*) FROM recordings`)).toBe(0);
    expect(files.some((f) => existsSync(f.path))).toBe(false);
  });
});
