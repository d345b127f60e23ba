/**
 * The calls, streams and egress_streams rows are projections of call_events: after new events
 * of a call are stored, its rows are rebuilt from all of its events. So a row is right whatever
 * order the events arrived in and however often one was delivered, and there is one place that
 * says how events become a call.
 */

/** The most recent non-null value of `expr` among the grouped events. */
function latest(expr: string): string {
  return `(array_agg(${expr} ORDER BY e.occurred_at DESC, e.stream_sequence DESC NULLS LAST)
           FILTER (WHERE ${expr} IS NOT NULL))[1]`;
}

const p = (path: string) => `e.payload->>'${path}'`;

/**
 * `expr` (numeric) as an integer column takes it, saturated at the column's range: events far
 * apart (a clock gone wrong, a call reconciled years later) are valid, and must never make the
 * projection fail and park them.
 */
function int4(expr: string): string {
  // least/greatest skip NULLs, so a NULL (no end yet) is kept apart.
  return `(CASE WHEN ${expr} IS NOT NULL THEN least(greatest(${expr}, -2147483648), 2147483647) END)::integer`;
}

/** Milliseconds from `from` to `to`, as an integer column takes them. */
const msBetween = (from: string, to: string) => int4(`EXTRACT(EPOCH FROM ${to} - ${from}) * 1000`);
const vicidial = (field: string) => `e.payload->'vicidial'->>'${field}'`;

/** Rebuilds the calls rows of the call ids in `$1`. */
export const PROJECT_CALLS_SQL = `
  INSERT INTO calls (
    call_id, conversation_id, server, asterisk_id, channel_id, channel_name, direction, context, exten,
    caller_number, caller_name, callee_number, vicidial_call_code, vicidial_call_type, lead_id,
    campaign, campaign_name, in_group, in_group_name, list_id, agent, agent_name, agent_phone,
    conference, vicidial_status, term_reason, state, started_at, answered_at, ended_at,
    end_not_before, end_not_after, duration_ms, talk_ms, hangup_cause, hangup_cause_text, end_reconciled, tapped,
    audio_verdicts, talk_heard_s, customer_talk_s, agent_talk_s, overlap_s, longest_silence_s,
    event_count, last_event_at, updated_at)
  SELECT
    a.call_id, coalesce(a.conversation_id, a.call_id), a.server, a.asterisk_id, a.channel_id, a.channel_name, a.direction, a.context,
    a.exten, a.caller_number, a.caller_name, a.callee_number, a.vicidial_call_code,
    a.vicidial_call_type, a.lead_id, a.campaign, a.campaign_name, a.in_group, a.in_group_name,
    a.list_id, a.agent, a.agent_name, a.agent_phone, a.conference, a.vicidial_status,
    a.term_reason,
    CASE WHEN a.ended_at IS NOT NULL OR a.end_found_at IS NOT NULL THEN 'ended'
         WHEN a.answered_at IS NOT NULL THEN 'answered'
         ELSE 'started' END,
    a.started_at, a.answered_at, a.ended_at,
    -- An end only found (never seen) lies after the last sign of life: the event's lastSeenAt or
    -- any other event of the call, whichever is later.
    CASE WHEN a.ended_at IS NULL AND a.end_found_at IS NOT NULL
         THEN greatest(a.last_seen_at, a.last_live_event_at) END,
    CASE WHEN a.ended_at IS NULL THEN a.end_found_at END,
    ${msBetween('a.started_at', 'a.ended_at')},
    ${msBetween('a.answered_at', 'a.ended_at')},
    a.hangup_cause, a.hangup_cause_text, a.end_reconciled, a.tapped,
    coalesce(a.audio_verdicts, '{}'), a.talk_heard_s, a.customer_talk_s, a.agent_talk_s,
    a.overlap_s, a.longest_silence_s, a.event_count, a.last_event_at, now()
  FROM (
    SELECT
      e.call_id,
      ${latest(p('conversationId'))} AS conversation_id,
      ${latest(p('server'))} AS server,
      ${latest(p('asteriskId'))} AS asterisk_id,
      ${latest(p('channelId'))} AS channel_id,
      ${latest(p('channelName'))} AS channel_name,
      ${latest(p('direction'))} AS direction,
      ${latest(p('context'))} AS context,
      ${latest(p('exten'))} AS exten,
      ${latest(p('callerNumber'))} AS caller_number,
      ${latest(p('callerName'))} AS caller_name,
      ${latest(p('calleeNumber'))} AS callee_number,
      ${latest(vicidial('callCode'))} AS vicidial_call_code,
      ${latest(vicidial('callType'))} AS vicidial_call_type,
      ${latest(`(${vicidial('leadId')})::bigint`)} AS lead_id,
      ${latest(vicidial('campaign'))} AS campaign,
      ${latest(vicidial('campaignName'))} AS campaign_name,
      ${latest(vicidial('inGroup'))} AS in_group,
      ${latest(vicidial('inGroupName'))} AS in_group_name,
      ${latest(`(${vicidial('listId')})::bigint`)} AS list_id,
      ${latest(vicidial('agent'))} AS agent,
      ${latest(vicidial('agentName'))} AS agent_name,
      ${latest(vicidial('agentPhone'))} AS agent_phone,
      ${latest(vicidial('conference'))} AS conference,
      ${latest(vicidial('status'))} AS vicidial_status,
      ${latest(vicidial('termReason'))} AS term_reason,
      -- The started event comes first; until it is stored, the earliest event stands in for it.
      min(e.occurred_at) AS started_at,
      min(e.occurred_at) FILTER (WHERE e.event_type = 'answered') AS answered_at,
      -- A reconciled end is when the end was found, not when the call ended: kept apart.
      min(e.occurred_at) FILTER (
        WHERE e.event_type = 'ended' AND NOT coalesce((${p('reconciled')})::boolean, false)
      ) AS ended_at,
      min(e.occurred_at) FILTER (
        WHERE e.event_type = 'ended' AND (${p('reconciled')})::boolean
      ) AS end_found_at,
      max((${p('lastSeenAt')})::timestamptz) AS last_seen_at,
      -- Facts recorded after the end (VICIdial's disposition, the talk summary) are no sign of life.
      max(e.occurred_at) FILTER (
        WHERE e.event_type NOT IN ('ended', 'disposition', 'talk_summary')
      ) AS last_live_event_at,
      ${latest(`(${p('cause')})::smallint`)} AS hangup_cause,
      ${latest(p('causeText'))} AS hangup_cause_text,
      coalesce(bool_or((${p('reconciled')})::boolean), false) AS end_reconciled,
      bool_or(e.event_type = 'tap_started') AS tapped,
      array_agg(DISTINCT ${p('verdict')} ORDER BY ${p('verdict')}) FILTER (
        WHERE e.event_type = 'audio_verdict' AND ${p('state')} = 'raised'
      ) AS audio_verdicts,
      ${latest(`(${p('heardS')})::real`)} AS talk_heard_s,
      ${latest(`(${p('customerTalkS')})::real`)} AS customer_talk_s,
      ${latest(`(${p('agentTalkS')})::real`)} AS agent_talk_s,
      ${latest(`(${p('overlapS')})::real`)} AS overlap_s,
      ${latest(`(${p('longestSilenceS')})::real`)} AS longest_silence_s,
      count(*)::integer AS event_count,
      max(e.occurred_at) AS last_event_at
    FROM call_events e
    WHERE e.call_id = ANY($1::varchar[])
    GROUP BY e.call_id
  ) a
  ORDER BY a.call_id
  ON CONFLICT (call_id) DO UPDATE SET
    conversation_id = EXCLUDED.conversation_id, server = EXCLUDED.server, asterisk_id = EXCLUDED.asterisk_id,
    channel_id = EXCLUDED.channel_id, channel_name = EXCLUDED.channel_name,
    direction = EXCLUDED.direction, context = EXCLUDED.context, exten = EXCLUDED.exten,
    caller_number = EXCLUDED.caller_number, caller_name = EXCLUDED.caller_name,
    callee_number = EXCLUDED.callee_number, vicidial_call_code = EXCLUDED.vicidial_call_code,
    vicidial_call_type = EXCLUDED.vicidial_call_type, lead_id = EXCLUDED.lead_id,
    campaign = EXCLUDED.campaign, campaign_name = EXCLUDED.campaign_name,
    in_group = EXCLUDED.in_group, in_group_name = EXCLUDED.in_group_name,
    list_id = EXCLUDED.list_id, agent = EXCLUDED.agent, agent_name = EXCLUDED.agent_name,
    agent_phone = EXCLUDED.agent_phone, conference = EXCLUDED.conference,
    vicidial_status = EXCLUDED.vicidial_status, term_reason = EXCLUDED.term_reason,
    state = EXCLUDED.state,
    started_at = EXCLUDED.started_at, answered_at = EXCLUDED.answered_at,
    ended_at = EXCLUDED.ended_at, end_not_before = EXCLUDED.end_not_before,
    end_not_after = EXCLUDED.end_not_after, duration_ms = EXCLUDED.duration_ms,
    talk_ms = EXCLUDED.talk_ms, hangup_cause = EXCLUDED.hangup_cause,
    hangup_cause_text = EXCLUDED.hangup_cause_text, end_reconciled = EXCLUDED.end_reconciled,
    tapped = EXCLUDED.tapped, audio_verdicts = EXCLUDED.audio_verdicts,
    talk_heard_s = EXCLUDED.talk_heard_s, customer_talk_s = EXCLUDED.customer_talk_s,
    agent_talk_s = EXCLUDED.agent_talk_s, overlap_s = EXCLUDED.overlap_s,
    longest_silence_s = EXCLUDED.longest_silence_s, event_count = EXCLUDED.event_count,
    last_event_at = EXCLUDED.last_event_at, updated_at = EXCLUDED.updated_at`;

/**
 * Rebuilds the tap columns of the streams rows of the call ids in `$1`; the health columns
 * belong to the stats writer and are left alone (codec and gateway are kept from stats when no
 * tap_started says otherwise).
 */
export const PROJECT_STREAMS_SQL = `
  INSERT INTO streams (
    call_id, track, state, codec, sample_rate, gateway_id, gateway_host, gateway_port,
    snoop_channel_id, external_media_channel_id, bridge_id, tap_started_at, tap_stopped_at,
    stop_reason, failure_stage, failure_error, updated_at)
  SELECT
    e.call_id, e.track,
    CASE (array_agg(e.event_type ORDER BY e.occurred_at DESC, e.stream_sequence DESC NULLS LAST))[1]
      WHEN 'tap_started' THEN 'tapped' WHEN 'tap_stopped' THEN 'stopped' ELSE 'failed' END,
    ${latest(p('codec'))},
    ${latest(`(${p('sampleRate')})::integer`)},
    ${latest(`e.payload->'gateway'->>'gatewayId'`)},
    ${latest(`e.payload->'gateway'->>'host'`)},
    ${latest(`(e.payload->'gateway'->>'port')::integer`)},
    ${latest(p('snoopChannelId'))},
    ${latest(p('externalMediaChannelId'))},
    ${latest(p('bridgeId'))},
    min(e.occurred_at) FILTER (WHERE e.event_type = 'tap_started'),
    max(e.occurred_at) FILTER (WHERE e.event_type = 'tap_stopped'),
    ${latest(p('reason'))},
    ${latest(p('stage'))},
    ${latest(p('error'))},
    now()
  FROM call_events e
  WHERE e.call_id = ANY($1::varchar[])
    AND e.event_type IN ('tap_started', 'tap_stopped', 'tap_failed')
  GROUP BY e.call_id, e.track
  ORDER BY e.call_id, e.track
  ON CONFLICT (call_id, track) DO UPDATE SET
    state = EXCLUDED.state,
    codec = coalesce(EXCLUDED.codec, streams.codec),
    sample_rate = coalesce(EXCLUDED.sample_rate, streams.sample_rate),
    gateway_id = coalesce(EXCLUDED.gateway_id, streams.gateway_id),
    gateway_host = EXCLUDED.gateway_host, gateway_port = EXCLUDED.gateway_port,
    snoop_channel_id = EXCLUDED.snoop_channel_id,
    external_media_channel_id = EXCLUDED.external_media_channel_id,
    bridge_id = EXCLUDED.bridge_id, tap_started_at = EXCLUDED.tap_started_at,
    tap_stopped_at = EXCLUDED.tap_stopped_at, stop_reason = EXCLUDED.stop_reason,
    failure_stage = EXCLUDED.failure_stage, failure_error = EXCLUDED.failure_error,
    updated_at = EXCLUDED.updated_at`;

/**
 * A stream cannot outlive its call: once the call of `$1` has ended, a stream still marked
 * tapped (its tap_stopped never came, or it is known only from stats) is stopped at the call's
 * end. Runs after PROJECT_CALLS_SQL, in the same transaction.
 */
export const STOP_STREAMS_OF_ENDED_CALLS_SQL = `
  UPDATE streams s SET
    state = 'stopped',
    tap_stopped_at = coalesce(s.tap_stopped_at, c.ended_at, c.end_not_after),
    stop_reason = coalesce(s.stop_reason, 'call_ended'),
    updated_at = now()
  FROM calls c
  WHERE c.call_id = s.call_id AND s.call_id = ANY($1::varchar[])
    AND s.state = 'tapped' AND c.state = 'ended'`;

/** Rebuilds the egress_streams rows of the call ids in `$1`. */
export const PROJECT_EGRESS_SQL = `
  INSERT INTO egress_streams (
    call_id, stream_id, direction, target, format, tracks, started_at, stopped_at, stop_reason,
    frames_sent, frames_dropped, reconnects, updated_at)
  SELECT
    a.call_id, a.stream_id, a.direction, a.target, a.format,
    ARRAY(SELECT jsonb_array_elements_text(a.tracks))::varchar[],
    a.started_at, a.stopped_at, a.stop_reason, a.frames_sent, a.frames_dropped, a.reconnects,
    now()
  FROM (
    SELECT
      e.call_id, ${p('streamId')} AS stream_id,
      ${latest(p('direction'))} AS direction,
      ${latest(p('target'))} AS target,
      ${latest(p('format'))} AS format,
      ${latest(`e.payload->'tracks'`)} AS tracks,
      min(e.occurred_at) FILTER (WHERE e.event_type = 'egress_started') AS started_at,
      max(e.occurred_at) FILTER (WHERE e.event_type = 'egress_stopped') AS stopped_at,
      ${latest(p('reason'))} AS stop_reason,
      ${latest(`(${p('framesSent')})::bigint`)} AS frames_sent,
      ${latest(`(${p('framesDropped')})::bigint`)} AS frames_dropped,
      ${latest(int4(`(${p('reconnects')})::numeric`))} AS reconnects
    FROM call_events e
    WHERE e.call_id = ANY($1::varchar[])
      AND e.event_type IN ('egress_started', 'egress_stopped')
    GROUP BY e.call_id, ${p('streamId')}
  ) a
  ORDER BY a.call_id, a.stream_id
  ON CONFLICT (call_id, stream_id) DO UPDATE SET
    direction = EXCLUDED.direction, target = EXCLUDED.target, format = EXCLUDED.format,
    tracks = EXCLUDED.tracks, started_at = EXCLUDED.started_at,
    stopped_at = EXCLUDED.stopped_at, stop_reason = EXCLUDED.stop_reason,
    frames_sent = EXCLUDED.frames_sent, frames_dropped = EXCLUDED.frames_dropped,
    reconnects = EXCLUDED.reconnects, updated_at = EXCLUDED.updated_at`;
