import { useEffect, useMemo } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { CallDetail, HealthSeries } from '@asb/contracts';
import { useApiResource } from '../api/use-api-resource';
import { useSession } from '../auth/session-context';
import { ChartSeries, TimeSeriesChart } from '../charts/time-series-chart';
import { handlingSegments } from './handling-segments';
import {
  agentLabel,
  callDurationLabel,
  callTypeLabel,
  campaignLabel,
  formatDuration,
  formatOffset,
  formatTime,
} from '../format/format';
import { CallAudio } from '../audio/call-audio';
import { TrackHealth } from '../live/health-badge';
import { useLiveFeed } from '../live/use-live-feed';
import { useNow } from '../live/use-now';
import { ListenButton } from '../listen/listen-button';
import { CallTranscript } from '../transcripts/call-transcript';
import { RecordingPlayer } from './recording-player';

const TRACK_COLORS: Record<string, string> = {
  caller: '#2563eb',
  agent: '#d97706',
  mixed: '#059669',
};

function seriesOf(health: HealthSeries[], field: 'lossPercent' | 'jitterMs' | 'levelDbfs') {
  // Tracks are sampled at slightly different instants: one time axis, each track its points.
  const times = [...new Set(health.flatMap((h) => h.sampledAt))].sort();
  const index = new Map(times.map((t, i) => [t, i]));
  const series: ChartSeries[] = health.map((h) => {
    const values: Array<number | null> = new Array(times.length).fill(null);
    h.sampledAt.forEach((t, i) => (values[index.get(t) as number] = h[field][i]));
    return { label: h.track, values, color: TRACK_COLORS[h.track] ?? '#7c3aed' };
  });
  return { times: times.map((t) => Date.parse(t) / 1000), series };
}

function EventTimeline({ detail }: { detail: CallDetail }) {
  const start = Date.parse(detail.call.startedAt);
  return (
    <ol className="timeline" aria-label="Event timeline">
      {detail.events.map((event) => (
        <li key={event.eventId} data-event={event.event}>
          <span className="timeline-offset">
            +{formatOffset(Date.parse(event.occurredAt) - start)}
          </span>
          <strong>{event.event.replace('_', ' ')}</strong>
          {event.track && <span className="muted"> {event.track}</span>}
          <span className="muted"> {formatTime(event.occurredAt)}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * Where the call went: the agents and in-groups it was with when it was transferred (the same
 * channel, so the same call), and the other legs of its conversation (a transfer to another
 * server, a 3-way call), each a call of its own.
 */
function Conversation({ detail }: { detail: CallDetail }) {
  const segments = handlingSegments(detail.events);
  const start = Date.parse(detail.call.startedAt);
  if (segments.length < 2 && detail.legs.length === 0) return null;
  return (
    <section className="conversation" aria-label="Conversation">
      {segments.length >= 2 && (
        <>
          <h3>Handled by</h3>
          <ol className="handling">
            {segments.map((segment) => (
              <li key={segment.at}>
                <span className="timeline-offset">
                  +{formatOffset(Date.parse(segment.at) - start)}
                </span>{' '}
                {segment.agentName ?? segment.agent ?? 'no agent yet'}
                {segment.agentName && segment.agent ? ` (${segment.agent})` : ''}
                {segment.inGroup
                  ? `, in-group ${segment.inGroup}`
                  : segment.campaign
                    ? `, campaign ${segment.campaign}`
                    : ''}
              </li>
            ))}
          </ol>
        </>
      )}
      {detail.legs.length > 0 && (
        <>
          <h3>Other legs of this conversation</h3>
          <table className="simple-table" aria-label="Other legs">
            <thead>
              <tr>
                <th>Started</th>
                <th>Server</th>
                <th>Agent</th>
                <th>In-group</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {detail.legs.map((leg) => (
                <tr key={leg.callId} data-leg={leg.callId}>
                  <td>
                    <Link to={`/calls/${encodeURIComponent(leg.callId)}`}>
                      {formatTime(leg.startedAt)}
                    </Link>
                  </td>
                  <td>{leg.server}</td>
                  <td>{agentLabel(leg.vicidial)}</td>
                  <td>{leg.vicidial.inGroup ?? '—'}</td>
                  <td>
                    <span className={`state state-${leg.state}`}>{leg.state}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            <Link to={`/history?conversationId=${encodeURIComponent(detail.call.conversationId)}`}>
              All legs in the history
            </Link>
          </p>
        </>
      )}
    </section>
  );
}

/** One call: its live state if in progress, the recorded timeline, stream health and recording. */
export function CallPage() {
  const { callId = '' } = useParams();
  const feed = useLiveFeed();
  // The transcript is the call's content: admins only, as the recording and live listen are.
  const { session } = useSession();
  const now = useNow(1000) + (feed?.model.clockOffsetMs ?? 0);
  const live = feed?.model.calls.get(callId);
  const {
    data: detail,
    error,
    reload,
  } = useApiResource<CallDetail>(
    `/api/v1/calls/${encodeURIComponent(callId)}`,
    live ? 5000 : undefined,
  );
  // The record follows the live state: read it again as soon as the call is answered or tapped,
  // not at the next refresh, so the timeline never lags the header.
  const liveStage = live ? `${live.state}:${Object.keys(live.tracks).sort().join()}` : undefined;
  useEffect(() => {
    if (liveStage) reload();
  }, [liveStage, reload]);
  const charts = useMemo(
    () =>
      detail && detail.health.length > 0
        ? {
            loss: seriesOf(detail.health, 'lossPercent'),
            jitter: seriesOf(detail.health, 'jitterMs'),
            level: seriesOf(detail.health, 'levelDbfs'),
          }
        : undefined,
    [detail],
  );
  const call = detail?.call;
  const vicidial = call?.vicidial ?? live?.vicidial;

  return (
    <section className="page">
      <header className="page-header">
        <h2>
          Call <code>{callId}</code>
        </h2>
        {live ? (
          <span className="state state-live" data-testid="call-live">
            live · {live.state} ·{' '}
            {formatDuration(now - Date.parse(live.answeredAt ?? live.startedAt))}
          </span>
        ) : (
          call && <span className={`state state-${call.state}`}>{call.state}</span>
        )}
        {live && <ListenButton callId={callId} />}
        <Link to="/history">History</Link>
      </header>

      {error && !(error.status === 404 && live) && (
        <p className="error-text" role="alert">
          {error.status === 404 ? 'No record of this call yet.' : error.message}
        </p>
      )}

      <dl className="facts">
        <dt>Number</dt>
        <dd>
          {call?.callerNumber ?? live?.callerNumber ?? '—'} →{' '}
          {call?.calleeNumber ?? live?.calleeNumber ?? '—'}
        </dd>
        <dt>Caller id</dt>
        <dd>{call?.callerName || '—'}</dd>
        <dt>Type</dt>
        <dd>{callTypeLabel(vicidial?.callType)}</dd>
        <dt>Lead</dt>
        <dd>{vicidial?.leadId ?? '—'}</dd>
        <dt>Campaign</dt>
        <dd>
          {campaignLabel(vicidial)}
          {vicidial?.campaignName ? ` — ${vicidial.campaignName}` : ''}
        </dd>
        {vicidial?.inGroupName && (
          <>
            <dt>In-group</dt>
            <dd>{vicidial.inGroupName}</dd>
          </>
        )}
        <dt>Agent</dt>
        <dd>
          {agentLabel(vicidial)}
          {vicidial?.agentPhone ? `, ${vicidial.agentPhone}` : ''}
          {vicidial?.conference ? `, room ${vicidial.conference}` : ''}
        </dd>
        <dt>List</dt>
        <dd>{vicidial?.listId ?? '—'}</dd>
        <dt>Status</dt>
        <dd>
          {vicidial?.status ?? '—'}
          {vicidial?.termReason ? ` (ended by ${vicidial.termReason.toLowerCase()})` : ''}
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(call?.startedAt ?? live?.startedAt)}</dd>
        <dt>Duration</dt>
        <dd title={call ? callDurationLabel(call).title : undefined}>
          {call && (call.durationMs !== null || call.endWindow)
            ? callDurationLabel(call).text
            : live
              ? `${formatDuration(now - Date.parse(live.startedAt))} so far`
              : '—'}
        </dd>
        <dt>Hang-up</dt>
        <dd>{call?.hangupCauseText ?? '—'}</dd>
      </dl>

      {detail && <Conversation detail={detail} />}

      {live && (
        <div className="live-tracks">
          <TrackHealth track={live.tracks.caller} label="caller" />
          <TrackHealth track={live.tracks.agent} label="agent" />
        </div>
      )}

      <div className="audio-and-transcript">
        {(detail || live) && <CallAudio detail={detail} live={live} />}
        {session?.user.role === 'admin' && (
          <CallTranscript
            key={callId}
            callId={callId}
            startedAt={detail?.call.startedAt ?? live?.startedAt}
            live={live !== undefined}
          />
        )}
      </div>

      {detail && (
        <div className="call-grid">
          <div>
            <h3>Timeline</h3>
            <EventTimeline detail={detail} />
            <h3>Streams</h3>
            {detail.streams.length === 0 ? (
              <p className="empty">
                {live && live.state !== 'answered'
                  ? 'Not tapped yet: calls are tapped once answered.'
                  : 'Never tapped.'}
              </p>
            ) : (
              <table className="simple-table">
                <thead>
                  <tr>
                    <th>Track</th>
                    <th>Tap</th>
                    <th>Codec</th>
                    <th>Packets</th>
                    <th>Loss</th>
                    <th>Jitter (max)</th>
                    <th>Stalls</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.streams.map((s) => (
                    <tr key={s.track}>
                      <td>{s.track}</td>
                      <td>{s.state === 'failed' ? `failed at ${s.failureStage}` : s.state}</td>
                      <td>
                        {s.codec} {s.sampleRate}
                      </td>
                      <td>{s.packets}</td>
                      <td>{s.lossPercent}%</td>
                      <td>
                        {s.jitterMs ?? '—'} ({s.maxJitterMs ?? '—'}) ms
                      </td>
                      <td>{s.stallCount}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h3>Recording</h3>
            <RecordingPlayer callId={callId} recording={detail.recording} />
          </div>
          <div>
            {charts ? (
              <>
                <TimeSeriesChart title="Packet loss" unit="%" {...charts.loss} />
                <TimeSeriesChart title="Jitter" unit="ms" {...charts.jitter} />
                <TimeSeriesChart title="Level" unit="dBFS" {...charts.level} />
              </>
            ) : (
              <p className="muted">No stream health samples recorded.</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
