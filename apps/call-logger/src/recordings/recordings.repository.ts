import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RecordingState, RecordingTrack } from '@asb/call-records';

/** A recordings row as the recorder writes it. */
export interface RecordingRow {
  callId: string;
  state: RecordingState;
  path: string;
  fileName: string;
  sampleRate: number;
  channels: number;
  tracks: RecordingTrack[];
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  sizeBytes?: number;
  sha256?: string;
}

const UPSERT_SQL = `
  INSERT INTO recordings (
    call_id, state, path, file_name, sample_rate, channels, tracks, started_at, ended_at,
    duration_ms, size_bytes, sha256, updated_at)
  SELECT r."callId", r.state, r.path, r."fileName", r."sampleRate", r.channels, r.tracks,
         r."startedAt", r."endedAt", r."durationMs", r."sizeBytes", r.sha256, now()
  FROM jsonb_to_recordset($1::jsonb) AS r(
    "callId" varchar, state varchar, path varchar, "fileName" varchar, "sampleRate" integer,
    channels smallint, tracks jsonb, "startedAt" timestamptz, "endedAt" timestamptz,
    "durationMs" integer, "sizeBytes" bigint, sha256 char(64))
  ORDER BY 1
  ON CONFLICT (call_id) DO UPDATE SET
    state = EXCLUDED.state, path = EXCLUDED.path, file_name = EXCLUDED.file_name,
    sample_rate = EXCLUDED.sample_rate, channels = EXCLUDED.channels, tracks = EXCLUDED.tracks,
    started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
    duration_ms = EXCLUDED.duration_ms, size_bytes = EXCLUDED.size_bytes,
    sha256 = EXCLUDED.sha256, updated_at = EXCLUDED.updated_at
  -- A late 'recording' row must not undo a finished one.
  WHERE recordings.state = 'recording' OR EXCLUDED.state <> 'recording'`;

@Injectable()
export class RecordingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsert(rows: RecordingRow[]): Promise<void> {
    await this.dataSource.query(UPSERT_SQL, [JSON.stringify(rows)]);
  }

  /** Recordings started before `cutoff`, oldest first. */
  async expired(cutoff: Date, limit: number): Promise<Array<{ callId: string; fileName: string }>> {
    const rows: Array<{ call_id: string; file_name: string }> = await this.dataSource.query(
      `SELECT call_id, file_name FROM recordings WHERE started_at < $1 ORDER BY started_at LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((row) => ({ callId: row.call_id, fileName: row.file_name }));
  }

  /**
   * Finished recordings beyond the newest that together fit in `maxBytes`, oldest first: what
   * must go for the rest to fit. A recording still being written is never among them.
   */
  async beyondTotal(
    maxBytes: number,
    limit: number,
  ): Promise<Array<{ callId: string; fileName: string; startedAt: Date }>> {
    const rows: Array<{ call_id: string; file_name: string; started_at: Date }> =
      await this.dataSource.query(
        `SELECT call_id, file_name, started_at FROM (
           SELECT call_id, file_name, started_at,
                  sum(coalesce(size_bytes, 0)) OVER (ORDER BY started_at DESC, call_id DESC) AS kept
           FROM recordings WHERE state <> 'recording') newest_first
         WHERE kept > $1 ORDER BY started_at, call_id LIMIT $2`,
        [maxBytes, limit],
      );
    return rows.map((row) => ({
      callId: row.call_id,
      fileName: row.file_name,
      startedAt: row.started_at,
    }));
  }

  /** Deletes a finished recording's row (one still being written stays). */
  async deleteFinished(callId: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM recordings WHERE call_id = $1 AND state <> 'recording'`,
      [callId],
    );
  }

  async delete(callId: string, cutoff: Date): Promise<void> {
    await this.dataSource.query(`DELETE FROM recordings WHERE call_id = $1 AND started_at < $2`, [
      callId,
      cutoff,
    ]);
  }

  /** Which of these files a recordings row refers to. */
  async known(fileNames: string[]): Promise<Set<string>> {
    const rows: Array<{ file_name: string }> = await this.dataSource.query(
      `SELECT file_name FROM recordings WHERE file_name = ANY($1::varchar[])`,
      [fileNames],
    );
    return new Set(rows.map((row) => row.file_name));
  }
}
