import type { ReactNode } from 'react';
import { NavLink } from 'react-router-dom';
import type { BackendStatus } from '../app/backend-status';
import { useSession } from '../auth/session-context';
import { useLiveFeed } from '../live/use-live-feed';
import { BackendStatusBadge } from './backend-status-badge';

const FEED_LABELS = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  refused: 'refused',
} as const;

export function AppLayout({
  children,
  loadStatus,
}: {
  children: ReactNode;
  loadStatus?: () => Promise<BackendStatus>;
}) {
  const { session, logout } = useSession();
  const feed = useLiveFeed();
  return (
    <div className="shell">
      <header className="top">
        <h1>Audio Streaming Bridge</h1>
        <nav>
          <NavLink to="/" end>
            Live
          </NavLink>
          <NavLink to="/history">History</NavLink>
          <NavLink to="/stats">Metrics</NavLink>
          {session?.user.role === 'admin' && (
            <>
              <NavLink to="/users">Users</NavLink>
              <NavLink to="/audit">Audit</NavLink>
            </>
          )}
        </nav>
        <span
          className={`feed feed-${feed?.status ?? 'connecting'}`}
          data-feed={feed?.status}
          title={feed?.statusDetail}
        >
          ● {FEED_LABELS[feed?.status ?? 'connecting']}
        </span>
        <BackendStatusBadge loadStatus={loadStatus} />
        <span className="user">
          {session?.user.username} ({session?.user.role})
        </span>
        <button type="button" className="button button-quiet" onClick={logout}>
          Log out
        </button>
      </header>
      <main>{children}</main>
    </div>
  );
}
