import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AudioTrack, StreamStats } from '@asb/contracts';

/** What one flush knows of a stream: its latest sample and what happened since the last flush. */
export interface StreamHealthUpdate {
  latest: StreamStats;
  /** Samples received since the last flush. */
  samples: number;
  /** Times the stream went stalled since the last flush. */
  stalls: number;
  maxJitterMs: number;
  /** Last-packet time of the earliest sample since the last flush that had seen a packet. */
  firstPacketAt?: string;
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

// Streams rows are locked in (call_id, track) order, as the tap projection locks them, so the
// two writers never deadlock each other. A stream first seen in stats after its call ended is
// stopped from the start, as the projection would have stopped it.
const UPSERT_STREAMS_SQL = `
  INSERT INTO streams (
    call_id, track, state, codec, sample_rate, gateway_id, first_packet_at, last_packet_at,
    packets, bytes, lost, duplicates, reordered, late, rejected, loss_ratio, jitter_ms,
    max_jitter_ms, level_dbfs, stalled, stall_count, sample_count, last_sample_at, updated_at)
  SELECT u."callId", u.track, CASE WHEN c.ended_at IS NULL THEN 'tapped' ELSE 'stopped' END, u.codec, u."sampleRate", u."gatewayId", u."firstPacketAt",
         CASE WHEN u.packets > 0
              THEN u."sampledAt" - make_interval(secs => u."lastPacketAgeMs" / 1000.0) END,
         u.packets, u.bytes, u.lost, u.duplicates, u.reordered, u.late, u.rejected,
         CASE WHEN u.packets + u.lost > 0 THEN u.lost::double precision / (u.packets + u.lost) ELSE 0 END,
         u."jitterMs", u."maxJitterMs", u."levelDbfs", u.stalled, u.stalls, u.samples,
         u."sampledAt", now()
  FROM jsonb_to_recordset($1::jsonb) AS u(
    "callId" varchar, track varchar, codec varchar, "sampleRate" integer, "gatewayId" varchar,
    "firstPacketAt" timestamptz, "sampledAt" timestamptz, "lastPacketAgeMs" double precision,
    packets bigint, bytes bigint, lost bigint, duplicates bigint, reordered bigint, late bigint,
    rejected bigint, "jitterMs" real, "maxJitterMs" real, "levelDbfs" real, stalled boolean,
    stalls integer, samples integer)
  LEFT JOIN calls c ON c.call_id = u."callId"
  ORDER BY 1, 2
  ON CONFLICT (call_id, track) DO UPDATE SET
    codec = coalesce(streams.codec, EXCLUDED.codec),
    sample_rate = coalesce(streams.sample_rate, EXCLUDED.sample_rate),
    gateway_id = coalesce(streams.gateway_id, EXCLUDED.gateway_id),
    first_packet_at = least(streams.first_packet_at, EXCLUDED.first_packet_at),
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
   * Two statements, not one transaction: the samples insert takes no lock on streams rows, so the
   * rows the call event writer also updates are held only for the short upsert. A retry after a
   * failure in between inserts the samples again, which their primary key makes harmless.
   */
  async write(updates: StreamHealthUpdate[], samples: StreamStats[]): Promise<void> {
    if (samples.length > 0) await this.dataSource.query(INSERT_SAMPLES_SQL, sampleColumns(samples));
    if (updates.length > 0) {
      const rows = updates.map((update) => ({
        ...update.latest,
        samples: update.samples,
        stalls: update.stalls,
        maxJitterMs: update.maxJitterMs,
        firstPacketAt: update.firstPacketAt ?? null,
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
