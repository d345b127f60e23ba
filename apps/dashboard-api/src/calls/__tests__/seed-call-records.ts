import { Client } from 'pg';

export interface SeededCall {
  callId: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  durationMs: number | null;
  campaign: string;
  agent: string | null;
  inGroup: string | null;
  /** VICIdial's status: the disposition of the answered calls that ended. */
  status: string | null;
  leadId: number;
  callerNumber: string;
  state: 'started' | 'answered' | 'ended';
  /** Another call's id when this one is a later leg of its conversation. */
  conversationId: string | null;
  /** Verdicts raised on the call's audio. */
  audioVerdicts: string[];
}

/**
 * Rows as call-logger writes them: `count` calls one minute apart ending now, every fifth still
 * in progress, every third ended never answered, two campaigns, three agents; the call after
 * seed-007 is a second leg of its conversation (a transfer to another server).
 */
export function plannedCalls(count: number, now = Date.now()): SeededCall[] {
  return Array.from({ length: count }, (_, i) => {
    const startedAt = new Date(now - (count - i) * 60_000);
    const active = i % 5 === 4;
    const missed = !active && i % 3 === 0;
    const answeredAt = missed ? null : new Date(startedAt.getTime() + 3000);
    const durationMs = active ? null : 20_000 + i * 1000;
    return {
      callId: `seed-${String(i).padStart(3, '0')}`,
      startedAt,
      answeredAt,
      endedAt: durationMs === null ? null : new Date(startedAt.getTime() + durationMs),
      durationMs,
      campaign: i % 2 === 0 ? 'SALES' : 'SUPPORT',
      agent: missed ? null : `agent${i % 3}`,
      inGroup: i % 4 === 1 ? 'SUPPORT_LINE' : null,
      status: active || missed ? null : i % 2 === 0 ? 'SALE' : 'NI',
      leadId: 1000 + i,
      callerNumber: `31255501${String(i).padStart(2, '0')}`,
      state: active ? (answeredAt ? 'answered' : 'started') : 'ended',
      conversationId: i === 8 ? 'seed-007' : null,
      audioVerdicts: i === 2 ? ['clipping'] : i === 6 ? ['one_way_audio', 'silent_track'] : [],
    };
  });
}

export async function seedCallRecords(databaseUrl: string, calls: SeededCall[]): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const call of calls) {
      await client.query(
        `INSERT INTO calls (call_id, conversation_id, server, channel_id, channel_name, direction, caller_number,
            callee_number, vicidial_call_code, vicidial_call_type, lead_id, campaign, agent, state,
            started_at, answered_at, ended_at, duration_ms, talk_ms, hangup_cause, hangup_cause_text,
            tapped, event_count, last_event_at, in_group, vicidial_status, audio_verdicts,
            talk_heard_s, customer_talk_s, agent_talk_s, overlap_s, longest_silence_s)
         VALUES ($1, coalesce($16::varchar, $1), 'pbx1', '1732451234.1', 'SIP/trunk-1', 'outbound', $2, '5550000', 'V1124150300000012345',
            'V', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, true, 3, $7, $14, $15, $17,
            $18::real, $18::real * 0.5, $18::real * 0.3, $18::real * 0.05, 2.5)`,
        [
          call.callId,
          call.callerNumber,
          call.leadId,
          call.campaign,
          call.agent,
          call.state,
          call.startedAt,
          call.answeredAt,
          call.endedAt,
          call.durationMs,
          call.answeredAt && call.endedAt
            ? call.endedAt.getTime() - call.answeredAt.getTime()
            : null,
          call.endedAt ? 16 : null,
          call.endedAt ? 'Normal Clearing' : null,
          call.inGroup,
          call.status,
          call.conversationId,
          call.audioVerdicts,
          call.answeredAt && call.endedAt
            ? (call.endedAt.getTime() - call.answeredAt.getTime()) / 1000
            : null,
        ],
      );
    }
  } finally {
    await client.end();
  }
}

/** A call's timeline, streams, health samples and recording row, for the detail endpoint. */
export async function seedCallDetail(
  databaseUrl: string,
  call: SeededCall,
  recording: { path: string; fileName: string; sizeBytes: number; state?: string },
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const at = (ms: number) => new Date(call.startedAt.getTime() + ms);
  try {
    const events: Array<[string, number, string | null]> = [
      ['started', 0, null],
      ['answered', 3000, null],
      ['tap_started', 3100, 'caller'],
      ['tap_started', 3200, 'agent'],
      ['audio_verdict', 14_000, 'agent'],
      ['audio_verdict', 16_000, 'agent'],
      ['audio_verdict', 18_000, 'caller'],
      ['ended', 20_000, null],
    ];
    // The agent track clipped from 4 s to 16 s; the caller's format looked wrong from 8 s to the end.
    const verdicts: Record<number, object> = {
      14_000: { verdict: 'clipping', state: 'raised', since: at(4000), detail: 'clips' },
      16_000: { verdict: 'clipping', state: 'cleared', since: at(16_000), detail: 'cleared' },
      18_000: {
        verdict: 'suspect_format',
        state: 'raised',
        since: at(8000),
        suspectFormat: 'broadband_noise',
        detail: 'loud noise instead of speech',
      },
    };
    for (const [index, [event, offset, track]] of events.entries()) {
      await client.query(
        `INSERT INTO call_events (event_id, call_id, event_type, occurred_at, track, stream_sequence, payload)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)`,
        [
          call.callId,
          event,
          at(offset),
          track,
          index + 1,
          { event, callId: call.callId, track, ...verdicts[offset] },
        ],
      );
    }
    for (const track of ['caller', 'agent']) {
      await client.query(
        `INSERT INTO streams (call_id, track, state, codec, sample_rate, gateway_id, tap_started_at,
            tap_stopped_at, stop_reason, packets, lost, loss_ratio, jitter_ms, max_jitter_ms, level_dbfs)
         VALUES ($1, $2, 'stopped', 'ulaw', 8000, 'gw1', $3, $4, 'call_ended', 850, 10, 0.0116, 2.5, 9, -21)`,
        [call.callId, track, at(3100), at(20_000)],
      );
      for (let second = 0; second < 4; second += 1) {
        await client.query(
          `INSERT INTO stream_health_samples (call_id, track, sampled_at, gateway_id, packets, bytes,
              lost, duplicates, reordered, late, rejected, jitter_ms, last_packet_age_ms, level_dbfs, stalled)
           VALUES ($1, $2, $3, 'gw1', $4, 0, $5, 0, 0, 0, 0, $6, 20, -20, $7)`,
          [
            call.callId,
            track,
            at(4000 + second * 5000),
            250 * (second + 1),
            second * 5,
            1 + second,
            second === 3,
          ],
        );
      }
    }
    await client.query(
      `INSERT INTO recordings (call_id, state, path, file_name, sample_rate, channels, tracks,
          started_at, ended_at, duration_ms, size_bytes, sha256)
       VALUES ($1, $2, $3, $4, 8000, 2, $5, $6, $7, 17000, $8, NULL)`,
      [
        call.callId,
        recording.state ?? 'complete',
        recording.path,
        recording.fileName,
        JSON.stringify([
          {
            track: 'caller',
            channel: 0,
            offsetSamples: 0,
            frames: 850,
            gapSamples: 0,
            lateFrames: 0,
          },
          {
            track: 'agent',
            channel: 1,
            offsetSamples: 0,
            frames: 850,
            gapSamples: 0,
            lateFrames: 0,
          },
        ]),
        at(3100),
        at(20_000),
        recording.sizeBytes,
      ],
    );
  } finally {
    await client.end();
  }
}
