import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import type { RecordingTrack } from '@asb/call-records';
import { isDatabaseUnavailable } from '../http/is-database-unavailable.util';
import { intervalLossPercent } from '../live/classify-stream-health.util';
import { CallRecordsUnavailable } from './call-records-unavailable.error';
import type { CallQuery } from './dtos/call-query.dto';
import type {
  CallSummary,
  HealthSeries,
  RecordingView,
  StreamView,
  TranscriptSegment,
} from '@asb/contracts';
import type { CallCursor } from './utils/call-cursor.util';

const UNDEFINED_TABLE = '42P01';

/** The sort key of each sort, as SQL and as the text a cursor carries. */
const SORT_KEYS = {
  startedAt: { expression: 'c.started_at', cast: 'timestamptz' },
  durationMs: { expression: 'COALESCE(c.duration_ms, -1)', cast: 'integer' },
} as const;

const CALL_COLUMNS = `
  c.call_id, c.conversation_id, c.server, c.direction, c.state, c.caller_number, c.caller_name, c.callee_number,
  c.vicidial_call_code, c.vicidial_call_type, c.lead_id, c.campaign, c.campaign_name,
  c.in_group, c.in_group_name, c.list_id, c.agent, c.agent_name, c.agent_phone, c.conference,
  c.vicidial_status, c.term_reason,
  c.started_at, c.answered_at, c.ended_at, c.end_not_before, c.end_not_after, c.duration_ms,
  c.talk_ms,
  c.hangup_cause, c.hangup_cause_text, c.tapped, c.audio_verdicts, c.talk_heard_s,
  c.customer_talk_s, c.agent_talk_s, c.overlap_s, c.longest_silence_s,
  r.state AS recording_state, r.duration_ms AS recording_duration_ms,
  r.size_bytes AS recording_size_bytes`;

type Row = Record<string, unknown>;

const iso = (value: unknown): string | null => (value ? (value as Date).toISOString() : null);
const num = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

function toCallSummary(row: Row): CallSummary {
  return {
    callId: row['call_id'] as string,
    conversationId: row['conversation_id'] as string,
    server: row['server'] as string,
    direction: row['direction'] as string | null,
    state: row['state'] as CallSummary['state'],
    callerNumber: row['caller_number'] as string | null,
    callerName: row['caller_name'] as string | null,
    calleeNumber: row['callee_number'] as string | null,
    vicidial: {
      callCode: row['vicidial_call_code'] as string | null,
      callType: row['vicidial_call_type'] as string | null,
      leadId: num(row['lead_id']),
      campaign: row['campaign'] as string | null,
      campaignName: row['campaign_name'] as string | null,
      inGroup: row['in_group'] as string | null,
      inGroupName: row['in_group_name'] as string | null,
      listId: num(row['list_id']),
      agent: row['agent'] as string | null,
      agentName: row['agent_name'] as string | null,
      agentPhone: row['agent_phone'] as string | null,
      conference: row['conference'] as string | null,
      status: row['vicidial_status'] as string | null,
      termReason: row['term_reason'] as string | null,
    },
    startedAt: iso(row['started_at']) as string,
    answeredAt: iso(row['answered_at']),
    endedAt: iso(row['ended_at']),
    endWindow: row['end_not_after']
      ? { notBefore: iso(row['end_not_before']), notAfter: iso(row['end_not_after']) as string }
      : null,
    durationMs: num(row['duration_ms']),
    talkMs: num(row['talk_ms']),
    hangupCause: num(row['hangup_cause']),
    hangupCauseText: row['hangup_cause_text'] as string | null,
    tapped: Boolean(row['tapped']),
    recording: row['recording_state']
      ? {
          state: row['recording_state'] as 'recording' | 'complete' | 'failed',
          durationMs: num(row['recording_duration_ms']),
          sizeBytes: num(row['recording_size_bytes']),
        }
      : null,
    audio: {
      verdicts: (row['audio_verdicts'] as CallSummary['audio']['verdicts'] | null) ?? [],
      talk:
        row['talk_heard_s'] === null || row['talk_heard_s'] === undefined
          ? null
          : {
              heardS: num(row['talk_heard_s']) as number,
              customerTalkS: num(row['customer_talk_s']) ?? 0,
              agentTalkS: num(row['agent_talk_s']) ?? 0,
              overlapS: num(row['overlap_s']) ?? 0,
              longestSilenceS: num(row['longest_silence_s']) ?? 0,
            },
    },
  };
}

/** A WHERE clause built from optional filters, with numbered parameters. */
class Conditions {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(sql: (placeholder: string) => string, value: unknown): void {
    this.params.push(value);
    this.parts.push(sql(`$${this.params.length}`));
  }

  addRaw(sql: string): void {
    this.parts.push(sql);
  }

  get where(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

export interface CallPageRows {
  calls: CallSummary[];
  /** Sort key of each row, for the cursor of the last one. */
  keys: string[];
}

export interface RecordingFile extends RecordingView {
  path: string;
  fileName: string;
}

/**
 * Reads the call records that call-logger writes (tables calls, call_events, streams,
 * stream_health_samples, recordings). Read-only: dashboard-api never writes or migrates them.
 */
@Injectable()
export class CallRecordsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    if (!this.dataSource.isInitialized)
      throw new CallRecordsUnavailable('the database is not connected');
    try {
      return (await this.dataSource.query(sql, params)) as Row[];
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (error instanceof QueryFailedError && code === UNDEFINED_TABLE) {
        throw new CallRecordsUnavailable('call-logger has not created them yet');
      }
      if (isDatabaseUnavailable(error)) throw new CallRecordsUnavailable((error as Error).message);
      throw error;
    }
  }

  async findCalls(query: CallQuery, cursor: CallCursor | undefined): Promise<CallPageRows> {
    const conditions = new Conditions();
    if (query.state === 'active') conditions.addRaw(`c.state <> 'ended'`);
    else if (query.state) conditions.add((p) => `c.state = ${p}`, query.state);
    if (query.answered !== undefined) {
      conditions.addRaw(`c.answered_at IS ${query.answered ? 'NOT NULL' : 'NULL'}`);
    }
    if (query.from) conditions.add((p) => `c.started_at >= ${p}`, query.from);
    if (query.to) conditions.add((p) => `c.started_at < ${p}`, query.to);
    if (query.number) {
      // Only digits, +, * and # pass validation, so the value needs no LIKE escaping.
      conditions.add(
        (p) => `(c.caller_number LIKE ${p} OR c.callee_number LIKE ${p})`,
        `${query.number}%`,
      );
    }
    if (query.leadId !== undefined) conditions.add((p) => `c.lead_id = ${p}`, query.leadId);
    if (query.campaign) conditions.add((p) => `c.campaign = ${p}`, query.campaign);
    if (query.agent) conditions.add((p) => `c.agent = ${p}`, query.agent);
    if (query.inGroup) conditions.add((p) => `c.in_group = ${p}`, query.inGroup);
    if (query.status) conditions.add((p) => `c.vicidial_status = ${p}`, query.status);
    if (query.server) conditions.add((p) => `c.server = ${p}`, query.server);
    if (query.audioVerdict === 'any') conditions.addRaw(`cardinality(c.audio_verdicts) > 0`);
    else if (query.audioVerdict) {
      conditions.add((p) => `c.audio_verdicts @> ARRAY[${p}]::varchar[]`, query.audioVerdict);
    }
    if (query.conversationId) {
      conditions.add((p) => `c.conversation_id = ${p}`, query.conversationId);
    }

    const descending = query.sort.startsWith('-');
    const key = SORT_KEYS[query.sort.replace('-', '') as keyof typeof SORT_KEYS];
    const direction = descending ? 'DESC' : 'ASC';
    if (cursor) {
      conditions.params.push(cursor.key, cursor.callId);
      const n = conditions.params.length;
      conditions.addRaw(
        `(${key.expression}, c.call_id) ${descending ? '<' : '>'} ($${n - 1}::${key.cast}, $${n})`,
      );
    }
    conditions.params.push(query.limit);
    const rows = await this.query(
      `SELECT ${CALL_COLUMNS}, (${key.expression})::text AS sort_key
         FROM calls c LEFT JOIN recordings r ON r.call_id = c.call_id
         ${conditions.where}
         ORDER BY ${key.expression} ${direction}, c.call_id ${direction}
         LIMIT $${conditions.params.length}`,
      conditions.params,
    );
    return { calls: rows.map(toCallSummary), keys: rows.map((row) => row['sort_key'] as string) };
  }

  async findCall(callId: string): Promise<CallSummary | undefined> {
    const [row] = await this.query(
      `SELECT ${CALL_COLUMNS} FROM calls c LEFT JOIN recordings r ON r.call_id = c.call_id
        WHERE c.call_id = $1`,
      [callId],
    );
    return row ? toCallSummary(row) : undefined;
  }

  /** The other calls of a conversation, in the order they started (few: one per transfer). */
  async findLegs(conversationId: string, exceptCallId: string): Promise<CallSummary[]> {
    const rows = await this.query(
      `SELECT ${CALL_COLUMNS} FROM calls c LEFT JOIN recordings r ON r.call_id = c.call_id
        WHERE c.conversation_id = $1 AND c.call_id <> $2 ORDER BY c.started_at LIMIT 50`,
      [conversationId, exceptCallId],
    );
    return rows.map(toCallSummary);
  }

  async findEvents(callId: string, limit = 2000) {
    const rows = await this.query(
      `SELECT event_id, event_type, occurred_at, track, payload FROM call_events
        WHERE call_id = $1 ORDER BY occurred_at, stream_sequence NULLS LAST LIMIT $2`,
      [callId, limit],
    );
    return rows.map((row) => ({
      eventId: row['event_id'] as string,
      event: row['event_type'] as string,
      occurredAt: iso(row['occurred_at']) as string,
      track: row['track'] as string | null,
      payload: row['payload'] as Record<string, unknown>,
    }));
  }

  /** The final transcript segments call-logger stored, as the contract's segments. */
  async findTranscript(callId: string, limit = 5000): Promise<TranscriptSegment[]> {
    const rows = await this.query(
      `SELECT segment_id, track, run_id, start_sample, end_sample, sample_rate, start_at, end_at,
              text, confidence, language, producer_name, producer_version, note, occurred_at
         FROM transcript_segments WHERE call_id = $1 ORDER BY start_at, track LIMIT $2`,
      [callId, limit],
    );
    return rows.map((row) => ({
      schemaVersion: 1,
      segmentId: row['segment_id'] as string,
      callId,
      track: row['track'] as TranscriptSegment['track'],
      kind: 'final',
      span: {
        runId: row['run_id'] as string,
        startSample: Number(row['start_sample']),
        endSample: Number(row['end_sample']),
        sampleRate: row['sample_rate'] as 8000 | 16000,
        startAt: (row['start_at'] as Date).getTime(),
        endAt: (row['end_at'] as Date).getTime(),
      },
      text: row['text'] as string,
      ...(row['confidence'] === null ? {} : { confidence: Number(row['confidence']) }),
      ...(row['language'] === null ? {} : { language: row['language'] as string }),
      producer: {
        name: row['producer_name'] as string,
        ...(row['producer_version'] === null ? {} : { version: row['producer_version'] as string }),
      },
      ...(row['note'] === null ? {} : { note: row['note'] as string }),
      occurredAt: iso(row['occurred_at']) as string,
    }));
  }

  async findStreams(callId: string): Promise<StreamView[]> {
    const rows = await this.query(`SELECT * FROM streams WHERE call_id = $1 ORDER BY track`, [
      callId,
    ]);
    return rows.map((row) => ({
      track: row['track'] as string,
      state: row['state'] as StreamView['state'],
      codec: row['codec'] as string | null,
      sampleRate: num(row['sample_rate']),
      gatewayId: row['gateway_id'] as string | null,
      tapStartedAt: iso(row['tap_started_at']),
      tapStoppedAt: iso(row['tap_stopped_at']),
      stopReason: row['stop_reason'] as string | null,
      failureStage: row['failure_stage'] as string | null,
      failureError: row['failure_error'] as string | null,
      packets: Number(row['packets']),
      lost: Number(row['lost']),
      lossPercent: Math.round(Number(row['loss_ratio']) * 1000) / 10,
      jitterMs: num(row['jitter_ms']),
      maxJitterMs: num(row['max_jitter_ms']),
      levelDbfs: num(row['level_dbfs']),
      stalled: Boolean(row['stalled']),
      stallCount: Number(row['stall_count']),
    }));
  }

  /** Each track's kept samples as columns, with the loss of each interval. */
  async findHealthSeries(callId: string, limitPerCall = 20_000): Promise<HealthSeries[]> {
    const rows = await this.query(
      `SELECT track, sampled_at, packets, lost, jitter_ms, level_dbfs, stalled
         FROM stream_health_samples WHERE call_id = $1 ORDER BY track, sampled_at LIMIT $2`,
      [callId, limitPerCall],
    );
    const series = new Map<
      string,
      HealthSeries & { previous?: { packets: number; lost: number } }
    >();
    for (const row of rows) {
      const track = row['track'] as string;
      let entry = series.get(track);
      if (!entry) {
        entry = { track, sampledAt: [], lossPercent: [], jitterMs: [], levelDbfs: [], stalled: [] };
        series.set(track, entry);
      }
      const counters = { packets: Number(row['packets']), lost: Number(row['lost']) };
      entry.sampledAt.push(iso(row['sampled_at']) as string);
      entry.lossPercent.push(intervalLossPercent(entry.previous, counters));
      entry.jitterMs.push(Math.round(Number(row['jitter_ms']) * 10) / 10);
      entry.levelDbfs.push(Math.round(Number(row['level_dbfs']) * 10) / 10);
      entry.stalled.push(Boolean(row['stalled']));
      entry.previous = counters;
    }
    return [...series.values()].map(({ previous: _previous, ...rest }) => rest);
  }

  async findRecording(callId: string): Promise<RecordingFile | undefined> {
    const [row] = await this.query(`SELECT * FROM recordings WHERE call_id = $1`, [callId]);
    if (!row) return undefined;
    return {
      state: row['state'] as RecordingView['state'],
      path: row['path'] as string,
      fileName: row['file_name'] as string,
      format: row['format'] as string,
      sampleRate: Number(row['sample_rate']),
      channels: Number(row['channels']),
      tracks: (row['tracks'] as RecordingTrack[]).map(({ track, channel }) => ({ track, channel })),
      startedAt: iso(row['started_at']) as string,
      endedAt: iso(row['ended_at']),
      durationMs: num(row['duration_ms']),
      sizeBytes: num(row['size_bytes']),
      sha256: row['sha256'] ? String(row['sha256']).trim() : null,
    };
  }

  async summary(since: Date) {
    const [totals] = await this.query(
      `SELECT count(*) AS calls,
              count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
              count(*) FILTER (WHERE state = 'ended' AND answered_at IS NULL) AS missed,
              avg(duration_ms) FILTER (WHERE state = 'ended') AS average_duration_ms,
              avg(talk_ms) FILTER (WHERE talk_ms IS NOT NULL) AS average_talk_ms
         FROM calls WHERE started_at >= $1`,
      [since],
    );
    const hours = await this.query(
      `SELECT date_trunc('hour', started_at, 'UTC') AS hour, count(*) AS calls,
              count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered
         FROM calls WHERE started_at >= $1 GROUP BY 1 ORDER BY 1`,
      [since],
    );
    return {
      calls: Number(totals['calls']),
      answered: Number(totals['answered']),
      missed: Number(totals['missed']),
      averageDurationMs: num(totals['average_duration_ms']),
      averageTalkMs: num(totals['average_talk_ms']),
      perHour: hours.map((row) => ({
        hour: iso(row['hour']) as string,
        calls: Number(row['calls']),
        answered: Number(row['answered']),
      })),
    };
  }
}
