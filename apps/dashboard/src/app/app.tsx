import { Navigate, Route, Routes } from 'react-router-dom';
import { AuditPage } from '../admin/audit-page';
import { UsersPage } from '../admin/users-page';
import { LoginPage } from '../auth/login-page';
import { SessionProvider, useSession } from '../auth/session-context';
import { CallPage } from '../calls/call-page';
import { HistoryPage } from '../history/history-page';
import { AppLayout } from '../layout/app-layout';
import { LiveCallsPage } from '../live/live-calls-page';
import type { LiveFeed } from '../live/live-feed';
import { MetricsPage } from '../metrics/metrics-page';
import type { BackendStatus } from './backend-status';

function Pages({ loadStatus }: { loadStatus?: () => Promise<BackendStatus> }) {
  const { session } = useSession();
  if (!session) return <LoginPage />;
  return (
    <AppLayout loadStatus={loadStatus}>
      <Routes>
        <Route path="/" element={<LiveCallsPage />} />
        <Route path="/calls/:callId" element={<CallPage />} />
        <Route path="/history" element={<HistoryPage />} />
        {/* Not /metrics: that is dashboard-api's Prometheus endpoint on the same origin. */}
        <Route path="/stats" element={<MetricsPage />} />
        {session.user.role === 'admin' && (
          <>
            <Route path="/users" element={<UsersPage />} />
            <Route path="/audit" element={<AuditPage />} />
          </>
        )}
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </AppLayout>
  );
}

/** The dashboard: login, then the live view, call pages, history and metrics (inside a router). */
export function App({
  loadStatus,
  createFeed,
}: {
  loadStatus?: () => Promise<BackendStatus>;
  createFeed?: (token: string) => LiveFeed;
}) {
  return (
    <SessionProvider createFeed={createFeed}>
      <Pages loadStatus={loadStatus} />
    </SessionProvider>
  );
}
