import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useDeferredValue, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import type { LiveCall } from '@asb/contracts';
import { agentLabel, callTypeLabel, campaignLabel, formatDuration } from '../format/format';
import { AudioVerdictBadge } from '../audio/audio-verdict-badge';
import { HealthLegend, TrackHealth } from './health-badge';
import { useLiveFeed } from './use-live-feed';
import { useNow } from './use-now';

const ROW_HEIGHT = 40;
const NO_CALLS: LiveCall[] = [];

function matches(call: LiveCall, filter: string): boolean {
  if (!filter) return true;
  const v = call.vicidial;
  return [
    call.callerNumber,
    call.calleeNumber,
    v?.campaign,
    v?.inGroup,
    v?.agent,
    v?.agentName,
    v?.leadId,
    call.callId,
  ]
    .filter((value) => value !== null && value !== undefined)
    .some((value) => String(value).toLowerCase().includes(filter));
}

const CallRow = memo(function CallRow({
  call,
  now,
  top,
}: {
  call: LiveCall;
  now: number;
  top: number;
}) {
  const since = call.answeredAt ?? call.startedAt;
  return (
    <div
      className={`row live-row row-${call.state}`}
      role="row"
      data-call-id={call.callId}
      style={{ transform: `translateY(${top}px)` }}
    >
      <span role="cell" className="cell-number">
        <Link to={`/calls/${encodeURIComponent(call.callId)}`}>{call.callerNumber ?? '—'}</Link>
        <span className="muted"> → {call.calleeNumber ?? '—'}</span>
      </span>
      <span role="cell">
        {callTypeLabel(call.vicidial?.callType ?? (call.direction === 'inbound' ? 'Y' : null))}
      </span>
      <span role="cell">{call.vicidial?.leadId ?? '—'}</span>
      <span role="cell" title={call.vicidial?.campaignName ?? undefined}>
        {campaignLabel(call.vicidial)}
      </span>
      <span role="cell" title={call.vicidial?.agentPhone ?? undefined}>
        {agentLabel(call.vicidial)}
      </span>
      <span role="cell" className={`state state-${call.state}`}>
        {call.state}
      </span>
      <span role="cell" className="duration" data-testid="duration">
        {formatDuration(now - Date.parse(since))}
      </span>
      <span role="cell" className="tracks">
        <TrackHealth track={call.tracks.caller} label="caller" />
        <TrackHealth track={call.tracks.agent} label="agent" />
      </span>
      <span role="cell" className="verdicts">
        {call.audioVerdicts.map((standing) => (
          <AudioVerdictBadge key={`${standing.verdict}/${standing.track}`} {...standing} compact />
        ))}
      </span>
    </div>
  );
});

/**
 * Every call in progress, updated from the live feed within a second. Only the rows on screen
 * are rendered (virtualised), so 2,000 calls cost what 30 do; durations tick once a second.
 */
export function LiveCallsPage() {
  const feed = useLiveFeed();
  const [filterText, setFilterText] = useState('');
  const filter = useDeferredValue(filterText.trim().toLowerCase());
  const serverNow = useNow(1000) + (feed?.model.clockOffsetMs ?? 0);
  const scroller = useRef<HTMLDivElement>(null);
  // list() returns the same array until the model changes, so this filters once per change.
  const all = feed?.model.list() ?? NO_CALLS;
  const calls = useMemo(() => all.filter((call) => matches(call, filter)), [all, filter]);
  const virtualizer = useVirtualizer({
    count: calls.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const answered = calls.filter((c) => c.state === 'answered').length;

  return (
    <section className="page">
      <header className="page-header">
        <h2>
          Live calls{' '}
          <span className="count" data-testid="live-count">
            {calls.length}
          </span>
        </h2>
        <span className="muted">
          {answered} answered, {calls.length - answered} ringing
          {feed && !feed.model.complete && ' (catching up)'}
        </span>
        <input
          type="search"
          placeholder="Number, campaign, agent, lead"
          value={filterText}
          onChange={(event) => setFilterText(event.target.value)}
          aria-label="Filter live calls"
        />
      </header>
      <HealthLegend />
      <div className="table live-table" role="table" aria-label="Live calls">
        <div className="row header-row" role="row">
          <span role="columnheader">Number</span>
          <span role="columnheader">Type</span>
          <span role="columnheader">Lead</span>
          <span role="columnheader">Campaign</span>
          <span role="columnheader">Agent</span>
          <span role="columnheader">State</span>
          <span role="columnheader">Duration</span>
          <span role="columnheader">Streams</span>
          <span role="columnheader">Audio</span>
        </div>
        <div className="scroller" ref={scroller} data-testid="live-scroller">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => (
              <CallRow
                key={calls[item.index].callId}
                call={calls[item.index]}
                now={serverNow}
                top={item.start}
              />
            ))}
          </div>
          {calls.length === 0 && <p className="empty">No calls in progress.</p>}
        </div>
      </div>
    </section>
  );
}
