import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AudioTrack, StreamStats } from '@asb/contracts';
import { runIdOf } from './stream-run-samples';

/** What one flush knows of a stream: its latest sample and what happened since the last flush. */
export interface StreamHealthUpdate {
  latest: StreamStats;
  /** Samples received since the last flush. */
  samples: number;
  /** Times the stream went stalled since the last flush. */
  stalls: number;
  maxJitterMs: number;
}

// Typed arrays rather than JSON: this is the hottest insert, thousands of rows a second.
const INSERT_SAMPLES_SQL = `
  INSERT INTO stream_health_samples (
    call_id, track, sampled_at, gateway_id, packets, bytes, lost, duplicates, reordered, late,
    rejected, jitter_ms, last_packet_age_ms, level_dbfs, stalled)
  SELECT * FROM unnest(
    $1::varchar[], $2::varchar[], $3::timestamptz[], $4::varchar[], $5::bigint[], $6::bigint[],
    $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::real[],
    $13::real[], $14::real[], $15::boolean[])
  ORDER BY 1, 2, 3
  ON CONFLICT (call_id, track, sampled_at) DO NOTHING`;

/** The samples as the columns of INSERT_SAMPLES_SQL. */
function sampleColumns(samples: StreamStats[]): unknown[][] {
  const fields: Array<(s: StreamStats) => unknown> = [
    (s) => s.callId,
    (s) => s.track,
    (s) => s.sampledAt,
    (s) => s.gatewayId,
    (s) => s.packets,
    (s) => s.bytes,
    (s) => s.lost,
    (s) => s.duplicates,
    (s) => s.reordered,
    (s) => s.late,
    (s) => s.rejected,
    (s) => s.jitterMs,
    (s) => s.lastPacketAgeMs,
    (s) => s.levelDbfs,
    (s) => s.stalled,
  ];
  return fields.map((field) => samples.map(field));
}

// Each run keeps the counters of its latest sample. The first packet time is the gateway's when
// it sends one, else estimated as the last packet of the earliest sample that saw one (within a
// stats period, later); either way the earliest known is kept.
const UPSERT_RUNS_SQL = `
  INSERT INTO stream_runs (
    call_id, track, run_id, gateway_id, first_packet_at, packets, bytes, lost, duplicates,
    reordered, late, rejected, last_sample_at)
  SELECT r."callId", r.track, r."runId", r."gatewayId",
         coalesce(r."firstPacketAt", CASE WHEN r.packets > 0
              THEN r."sampledAt" - make_interval(secs => r."lastPacketAgeMs" / 1000.0) END),
         r.packets, r.bytes, r.lost, r.duplicates, r.reordered, r.late, r.rejected, r."sampledAt"
  FROM jsonb_to_recordset($1::jsonb) AS r(
    "callId" varchar, track varchar, "runId" varchar, "gatewayId" varchar,
    "firstPacketAt" timestamptz, "sampledAt" timestamptz, "lastPacketAgeMs" double precision,
    packets bigint, bytes bigint, lost bigint, duplicates bigint, reordered bigint, late bigint,
    rejected bigint)
  ORDER BY 1, 2, 3
  ON CONFLICT (call_id, track, run_id) DO UPDATE SET
    first_packet_at = least(stream_runs.first_packet_at, EXCLUDED.first_packet_at),
    packets = EXCLUDED.packets, bytes = EXCLUDED.bytes, lost = EXCLUDED.lost,
    duplicates = EXCLUDED.duplicates, reordered = EXCLUDED.reordered, late = EXCLUDED.late,
    rejected = EXCLUDED.rejected, last_sample_at = EXCLUDED.last_sample_at
  WHERE stream_runs.last_sample_at <= EXCLUDED.last_sample_at`;

// A stream's counters are the sums over its runs (written just before), so they add up across
// re-taps and failovers; the rest is its latest sample's.
// Streams rows are locked in (call_id, track) order, as the tap projection locks them, so the
// two writers never deadlock each other. A stream first seen in stats after its call ended is
// stopped from the start, as the projection would have stopped it.
const UPSERT_STREAMS_SQL = `
  INSERT INTO streams (
    call_id, track, state, codec, sample_rate, gateway_id, first_packet_at, last_packet_at,
    packets, bytes, lost, duplicates, reordered, late, rejected, loss_ratio, jitter_ms,
    max_jitter_ms, level_dbfs, stalled, stall_count, sample_count, last_sample_at, updated_at)
  SELECT u."callId", u.track, CASE WHEN c.state = 'ended' THEN 'stopped' ELSE 'tapped' END, u.codec, u."sampleRate", u."gatewayId", t.first_packet_at,
         CASE WHEN u.packets > 0
              THEN u."sampledAt" - make_interval(secs => u."lastPacketAgeMs" / 1000.0) END,
         t.packets, t.bytes, t.lost, t.duplicates, t.reordered, t.late, t.rejected,
         CASE WHEN t.packets + t.lost > 0 THEN t.lost::double precision / (t.packets + t.lost) ELSE 0 END,
         u."jitterMs", u."maxJitterMs", u."levelDbfs", u.stalled, u.stalls, u.samples,
         u."sampledAt", now()
  FROM jsonb_to_recordset($1::jsonb) AS u(
    "callId" varchar, track varchar, codec varchar, "sampleRate" integer, "gatewayId" varchar,
    "sampledAt" timestamptz, "lastPacketAgeMs" double precision, packets bigint,
    "jitterMs" real, "maxJitterMs" real, "levelDbfs" real, stalled boolean, stalls integer,
    samples integer)
  LEFT JOIN calls c ON c.call_id = u."callId"
  CROSS JOIN LATERAL (
    SELECT min(r.first_packet_at) AS first_packet_at, sum(r.packets) AS packets,
           sum(r.bytes) AS bytes, sum(r.lost) AS lost, sum(r.duplicates) AS duplicates,
           sum(r.reordered) AS reordered, sum(r.late) AS late, sum(r.rejected) AS rejected
    FROM stream_runs r WHERE r.call_id = u."callId" AND r.track = u.track) t
  ORDER BY 1, 2
  ON CONFLICT (call_id, track) DO UPDATE SET
    codec = coalesce(streams.codec, EXCLUDED.codec),
    sample_rate = coalesce(streams.sample_rate, EXCLUDED.sample_rate),
    gateway_id = coalesce(streams.gateway_id, EXCLUDED.gateway_id),
    first_packet_at = EXCLUDED.first_packet_at,
    last_packet_at = coalesce(EXCLUDED.last_packet_at, streams.last_packet_at),
    packets = EXCLUDED.packets, bytes = EXCLUDED.bytes, lost = EXCLUDED.lost,
    duplicates = EXCLUDED.duplicates, reordered = EXCLUDED.reordered, late = EXCLUDED.late,
    rejected = EXCLUDED.rejected, loss_ratio = EXCLUDED.loss_ratio,
    jitter_ms = EXCLUDED.jitter_ms,
    max_jitter_ms = greatest(streams.max_jitter_ms, EXCLUDED.max_jitter_ms),
    level_dbfs = EXCLUDED.level_dbfs, stalled = EXCLUDED.stalled,
    stall_count = streams.stall_count + EXCLUDED.stall_count,
    sample_count = streams.sample_count + EXCLUDED.sample_count,
    last_sample_at = EXCLUDED.last_sample_at, updated_at = EXCLUDED.updated_at
  WHERE streams.last_sample_at IS NULL OR streams.last_sample_at <= EXCLUDED.last_sample_at`;

// A stream silent for too long whose gateway cannot say so (it died): marked stalled once, by
// whichever replica gets there first; rows being written meanwhile are skipped, they are live.
// Driven by the calls in progress (calls_state_started_at_idx), so it reads no history.
const MARK_SILENT_STALLED_SQL = `
  WITH silent AS (
    SELECT s.call_id, s.track FROM calls c JOIN streams s ON s.call_id = c.call_id
    WHERE c.state IN ('started', 'answered')
      AND s.state = 'tapped' AND NOT s.stalled AND s.tap_started_at IS NOT NULL
      AND greatest(s.last_sample_at, s.tap_started_at) < now() - make_interval(secs => $1 / 1000.0)
    ORDER BY s.call_id, s.track
    FOR UPDATE OF s SKIP LOCKED)
  UPDATE streams s SET stalled = true, stall_count = s.stall_count + 1, updated_at = now()
  FROM silent WHERE s.call_id = silent.call_id AND s.track = silent.track
  RETURNING s.call_id AS "callId", s.track`;

/** Writes stream health: the kept (downsampled) samples and each stream's latest state. */
@Injectable()
export class StatsRecordsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Separate statements, not one transaction: the samples and runs upserts take no lock on
   * streams rows, so the rows the call event writer also updates are held only for the short
   * upsert. A retry after a failure in between writes the samples and runs again, which their
   * primary keys (and the runs' last-sample guard) make harmless.
   */
  async write(
    updates: StreamHealthUpdate[],
    samples: StreamStats[],
    runs: StreamStats[],
  ): Promise<void> {
    if (samples.length > 0) await this.dataSource.query(INSERT_SAMPLES_SQL, sampleColumns(samples));
    if (runs.length > 0) {
      const rows = runs.map((run) => ({ ...run, runId: runIdOf(run) }));
      await this.dataSource.query(UPSERT_RUNS_SQL, [JSON.stringify(rows)]);
    }
    if (updates.length > 0) {
      const rows = updates.map((update) => ({
        ...update.latest,
        samples: update.samples,
        stalls: update.stalls,
        maxJitterMs: update.maxJitterMs,
      }));
      await this.dataSource.query(UPSERT_STREAMS_SQL, [JSON.stringify(rows)]);
    }
  }

  /** Marks stalled the running streams whose last sample (or tap start) is older than `silentMs`. */
  async markSilentStalled(silentMs: number): Promise<Array<{ callId: string; track: AudioTrack }>> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [marked] = (await this.dataSource.query(MARK_SILENT_STALLED_SQL, [silentMs])) as [
      Array<{ callId: string; track: AudioTrack }>,
      number,
    ];
    return marked;
  }
}
