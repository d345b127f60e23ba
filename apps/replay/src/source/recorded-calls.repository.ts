import { join } from 'node:path';
import { Pool } from 'pg';
import type { RecordingTrack } from '@asb/call-records';
import { CallEvent, callEventSchema } from '@asb/contracts';
import { readWavPcm16Channels } from '@asb/rtp';
import type { RecordedCall } from '../plan/replay-plan';

/** Which recorded calls to replay: by id, or by when they started and their campaign. */
export type CallSelection =
  { callIds: string[] } | { from: Date; to: Date; campaigns?: string[]; limit: number };

export interface SelectedCall {
  callId: string;
  /** Why it cannot be replayed; absent when it can. */
  problem?: string;
}

interface RecordingRow {
  path: string;
  file_name: string;
  state: string;
  sample_rate: number;
  tracks: RecordingTrack[];
  started_at: Date;
}

/**
 * Reads recorded calls from call-logger's database: the calls' events as they were received
 * and their WAV recordings (from where call-logger wrote them, or from `recordingsDir` when the
 * directory is mounted elsewhere). Only reads.
 */
export class RecordedCallsRepository {
  constructor(
    private readonly pool: Pool,
    private readonly recordingsDir?: string,
  ) {}

  async select(selection: CallSelection): Promise<SelectedCall[]> {
    if ('callIds' in selection) {
      const { rows } = await this.pool.query<{ call_id: string; state: string }>(
        'SELECT call_id, state FROM recordings WHERE call_id = ANY($1)',
        [selection.callIds],
      );
      const states = new Map(rows.map((row) => [row.call_id, row.state]));
      return selection.callIds.map((callId) => {
        const state = states.get(callId);
        if (state === undefined) return { callId, problem: 'no recording of this call' };
        if (state !== 'complete') return { callId, problem: `its recording is ${state}` };
        return { callId };
      });
    }
    const { rows } = await this.pool.query<{ call_id: string }>(
      `SELECT c.call_id FROM calls c JOIN recordings r ON r.call_id = c.call_id
        WHERE r.state = 'complete' AND c.started_at >= $1 AND c.started_at < $2
          AND ($3::text[] IS NULL OR c.campaign = ANY($3))
        ORDER BY c.started_at, c.call_id LIMIT $4`,
      [selection.from, selection.to, selection.campaigns ?? null, selection.limit],
    );
    return rows.map((row) => ({ callId: row.call_id }));
  }

  /** The call's events (those that no longer validate are left out and counted) and its audio. */
  async load(callId: string): Promise<{ call: RecordedCall; invalidEvents: number }> {
    const recording = await this.pool.query<RecordingRow>(
      `SELECT path, file_name, state, sample_rate, tracks, started_at FROM recordings
        WHERE call_id = $1`,
      [callId],
    );
    const row = recording.rows[0];
    if (row === undefined || row.state !== 'complete') {
      throw new Error(`${callId} has no complete recording`);
    }
    if (row.sample_rate !== 8000 && row.sample_rate !== 16000) {
      throw new Error(`${callId}'s recording is at ${row.sample_rate} Hz, not 8000 or 16000`);
    }
    const { rows } = await this.pool.query<{ payload: unknown }>(
      `SELECT payload FROM call_events WHERE call_id = $1
        ORDER BY occurred_at, stream_sequence NULLS LAST, event_id`,
      [callId],
    );
    const events: CallEvent[] = [];
    let invalidEvents = 0;
    for (const { payload } of rows) {
      const parsed = callEventSchema.safeParse(payload);
      if (parsed.success) events.push(parsed.data);
      else invalidEvents += 1;
    }
    const path = this.recordingsDir ? join(this.recordingsDir, row.file_name) : row.path;
    const wav = readWavPcm16Channels(path);
    if (wav.sampleRate !== row.sample_rate) {
      throw new Error(
        `${path} is at ${wav.sampleRate} Hz where the database says ${row.sample_rate}`,
      );
    }
    return {
      call: {
        callId,
        events,
        recording: {
          sampleRate: row.sample_rate,
          startedAt: row.started_at,
          tracks: row.tracks,
          channels: wav.channels,
        },
      },
      invalidEvents,
    };
  }
}
