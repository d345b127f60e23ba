import { FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/api-client';
import type { CallPage, CallSummary } from '@asb/contracts';
import { useSession } from '../auth/session-context';
import {
  agentLabel,
  callTypeLabel,
  campaignLabel,
  formatDuration,
  formatTime,
} from '../format/format';
import { HISTORY_FILTERS, historyApiPath } from './history-query';

/** Call history from the call records, filtered server-side, a page at a time. */
export function HistoryPage() {
  const { api } = useSession();
  const [search, setSearch] = useSearchParams();
  const [calls, setCalls] = useState<CallSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(false);
  const key = search.toString();

  useEffect(() => {
    let current = true;
    setLoading(true);
    api.get<CallPage>(historyApiPath(new URLSearchParams(key))).then(
      (page) => {
        if (!current) return;
        setCalls(page.calls);
        setCursor(page.nextCursor);
        setError(undefined);
        setLoading(false);
      },
      (failure: ApiError) => {
        if (!current) return;
        setCalls([]);
        setCursor(null);
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [api, key]);

  async function more() {
    if (!cursor) return;
    const page = await api.get<CallPage>(historyApiPath(search, cursor));
    setCalls((previous) => [...previous, ...page.calls]);
    setCursor(page.nextCursor);
  }

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of HISTORY_FILTERS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    setSearch(next);
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
          Sort
          <select name="sort" defaultValue={search.get('sort') ?? '-startedAt'}>
            <option value="-startedAt">newest first</option>
            <option value="startedAt">oldest first</option>
            <option value="-durationMs">longest first</option>
            <option value="durationMs">shortest first</option>
          </select>
        </label>
        <button type="submit" className="button">
          Apply
        </button>
      </form>

      {error && (
        <div className="error-text" role="alert">
          {error.message}
          {error.reasons.length > 0 && (
            <ul>
              {error.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
        </div>
      )}

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
              <td>{formatDuration(call.durationMs)}</td>
              <td>{call.hangupCauseText ?? '—'}</td>
              <td>{call.recording?.state ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && calls.length === 0 && !error && <p className="empty">No calls match.</p>}
      {cursor && (
        <button type="button" className="button" onClick={() => void more()}>
          More
        </button>
      )}
    </section>
  );
}
