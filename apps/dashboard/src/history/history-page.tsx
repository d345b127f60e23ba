import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import type { CallPage, CallSummary } from '@asb/contracts';
import { ApiErrorAlert } from '../api/api-error-alert';
import { filtersOf, PagedListing, usePagedList } from '../api/use-paged-list';
import {
  agentLabel,
  callDurationLabel,
  callTypeLabel,
  campaignLabel,
  formatTime,
} from '../format/format';
import { AudioVerdictBadge, VERDICT_MEANINGS, VERDICTS } from '../audio/audio-verdict-badge';
import { HISTORY_FILTERS, historyApiPath } from './history-query';

const HISTORY: PagedListing<CallPage, CallSummary> = {
  path: (filters, cursor) => historyApiPath(filters, cursor),
  read: (page) => ({ items: page.calls, next: page.nextCursor }),
};

/** Call history from the call records, filtered server-side, a page at a time. */
export function HistoryPage() {
  const [search, setSearch] = useSearchParams();
  const key = search.toString();
  const { items: calls, hasMore, more, error, loading } = usePagedList(key, HISTORY);

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSearch(filtersOf(event.currentTarget, HISTORY_FILTERS));
  }

  return (
    <section className="page">
      <header className="page-header">
        <h2>History</h2>
      </header>
      <form className="filters" onSubmit={apply} key={key} aria-label="History filters">
        <label>
          State
          <select name="state" defaultValue={search.get('state') ?? ''}>
            <option value="">any</option>
            <option value="active">in progress</option>
            <option value="started">ringing</option>
            <option value="answered">in conversation</option>
            <option value="ended">ended</option>
          </select>
        </label>
        <label>
          Answered
          <select name="answered" defaultValue={search.get('answered') ?? ''}>
            <option value="">any</option>
            <option value="true">answered</option>
            <option value="false">never answered</option>
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" name="from" defaultValue={search.get('from') ?? ''} />
        </label>
        <label>
          To
          <input type="datetime-local" name="to" defaultValue={search.get('to') ?? ''} />
        </label>
        <label>
          Number
          <input
            name="number"
            inputMode="tel"
            placeholder="prefix"
            defaultValue={search.get('number') ?? ''}
          />
        </label>
        <label>
          Lead id
          <input name="leadId" inputMode="numeric" defaultValue={search.get('leadId') ?? ''} />
        </label>
        <label>
          Campaign
          <input name="campaign" defaultValue={search.get('campaign') ?? ''} />
        </label>
        <label>
          In-group
          <input name="inGroup" defaultValue={search.get('inGroup') ?? ''} />
        </label>
        <label>
          Agent
          <input name="agent" placeholder="user" defaultValue={search.get('agent') ?? ''} />
        </label>
        <label>
          Status
          <input name="status" placeholder="SALE" defaultValue={search.get('status') ?? ''} />
        </label>
        <label>
          Audio
          <select name="audioVerdict" defaultValue={search.get('audioVerdict') ?? ''}>
            <option value="">any or none</option>
            <option value="any">with a problem</option>
            {VERDICTS.map((verdict) => (
              <option key={verdict} value={verdict}>
                {VERDICT_MEANINGS[verdict].label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select name="sort" defaultValue={search.get('sort') ?? '-startedAt'}>
            <option value="-startedAt">newest first</option>
            <option value="startedAt">oldest first</option>
            <option value="-durationMs">longest first</option>
            <option value="durationMs">shortest first</option>
          </select>
        </label>
        {search.get('conversationId') && (
          <p className="conversation-filter">
            <input type="hidden" name="conversationId" value={search.get('conversationId') ?? ''} />
            The legs of conversation <code>{search.get('conversationId')}</code> ·{' '}
            <Link to="/history">all calls</Link>
          </p>
        )}
        <button type="submit" className="button">
          Apply
        </button>
      </form>

      <ApiErrorAlert error={error} />

      <table className="simple-table history-table" aria-label="Call history" aria-busy={loading}>
        <thead>
          <tr>
            <th>Started</th>
            <th>Number</th>
            <th>Type</th>
            <th>Lead</th>
            <th>Campaign</th>
            <th>Agent</th>
            <th>Status</th>
            <th>State</th>
            <th>Duration</th>
            <th>Hang-up</th>
            <th>Recording</th>
            <th>Audio</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr key={call.callId} data-call-id={call.callId}>
              <td>
                <Link to={`/calls/${encodeURIComponent(call.callId)}`}>
                  {formatTime(call.startedAt)}
                </Link>
              </td>
              <td>
                {call.callerNumber ?? '—'} → {call.calleeNumber ?? '—'}
              </td>
              <td>{callTypeLabel(call.vicidial.callType)}</td>
              <td>{call.vicidial.leadId ?? '—'}</td>
              <td title={call.vicidial.campaignName ?? undefined}>
                {campaignLabel(call.vicidial)}
              </td>
              <td title={call.vicidial.agentPhone ?? undefined}>{agentLabel(call.vicidial)}</td>
              <td title={call.vicidial.termReason ?? undefined}>{call.vicidial.status ?? '—'}</td>
              <td>
                <span className={`state state-${call.state}`}>{call.state}</span>
              </td>
              <CallDurationCell call={call} />
              <td>{call.hangupCauseText ?? '—'}</td>
              <td>{call.recording?.state ?? '—'}</td>
              <td className="verdicts">
                {call.audio.verdicts.map((verdict) => (
                  <AudioVerdictBadge key={verdict} verdict={verdict} />
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && calls.length === 0 && !error && <p className="empty">No calls match.</p>}
      {hasMore && (
        <button type="button" className="button" onClick={() => void more()}>
          More
        </button>
      )}
    </section>
  );
}

function CallDurationCell({ call }: { call: CallSummary }) {
  const { text, title } = callDurationLabel(call);
  return (
    <td title={title} className={call.endWindow ? 'end-not-seen' : undefined}>
      {text}
    </td>
  );
}
