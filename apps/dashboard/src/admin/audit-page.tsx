import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { AUDIT_ACTIONS, type AuditEntryView, type AuditPage } from '@asb/contracts';
import { ApiErrorAlert } from '../api/api-error-alert';
import { filtersOf, PagedListing, usePagedList } from '../api/use-paged-list';
import { formatTime } from '../format/format';

const FILTERS = ['action', 'username', 'callId'] as const;

const ACTION_LABELS: Record<(typeof AUDIT_ACTIONS)[number], string> = {
  login_succeeded: 'logged in',
  login_failed: 'login refused',
  live_listen_started: 'started listening',
  live_listen_stopped: 'stopped listening',
  recording_downloaded: 'downloaded a recording',
  transcript_read: 'read a transcript',
  transcript_watched: 'followed a transcript live',
  user_created: 'created a user',
  user_updated: 'changed a user',
};

const AUDIT: PagedListing<AuditPage, AuditEntryView> = {
  path(filters, before) {
    const query = new URLSearchParams();
    for (const name of FILTERS) {
      const value = filters.get(name);
      if (value) query.set(name, value);
    }
    if (before) query.set('before', before);
    const text = query.toString();
    return `/api/v1/audit${text ? `?${text}` : ''}`;
  },
  read: (page) => ({ items: page.entries, next: page.nextBefore }),
};

/** What the detail of an entry says, in a line: `reason: bad_password`, `seconds: 42`. */
function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/** Admins only: who logged in, listened to which call, downloaded what, changed which user. */
export function AuditPage() {
  const [search, setSearch] = useSearchParams();
  const key = search.toString();
  const { items: entries, hasMore, more, error, loading } = usePagedList(key, AUDIT);

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSearch(filtersOf(event.currentTarget, FILTERS));
  }

  return (
    <section className="page">
      <header className="page-header">
        <h2>Audit log</h2>
      </header>
      <form className="filters" onSubmit={apply} key={key} aria-label="Audit filters">
        <label>
          Action
          <select name="action" defaultValue={search.get('action') ?? ''}>
            <option value="">any</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {ACTION_LABELS[action]}
              </option>
            ))}
          </select>
        </label>
        <label>
          User
          <input name="username" defaultValue={search.get('username') ?? ''} />
        </label>
        <label>
          Call
          <input name="callId" placeholder="call id" defaultValue={search.get('callId') ?? ''} />
        </label>
        <button type="submit" className="button">
          Apply
        </button>
      </form>
      <ApiErrorAlert error={error} />
      <table className="simple-table" aria-label="Audit log" aria-busy={loading}>
        <thead>
          <tr>
            <th>When</th>
            <th>User</th>
            <th>Action</th>
            <th>Call</th>
            <th>From</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-action={entry.action}>
              <td>{formatTime(entry.occurredAt)}</td>
              <td>{entry.username}</td>
              <td>{ACTION_LABELS[entry.action]}</td>
              <td>
                {entry.callId ? (
                  <Link to={`/calls/${encodeURIComponent(entry.callId)}`}>{entry.callId}</Link>
                ) : (
                  '—'
                )}
              </td>
              <td>{entry.clientAddress ?? '—'}</td>
              <td>{detailText(entry.detail) || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && entries.length === 0 && !error && <p className="empty">Nothing recorded.</p>}
      {hasMore && (
        <button type="button" className="button" onClick={() => void more()}>
          More
        </button>
      )}
    </section>
  );
}
