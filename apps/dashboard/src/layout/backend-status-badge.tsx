import { useEffect, useState } from 'react';
import { BackendStatus, fetchBackendStatus } from '../app/backend-status';

const POLL_MS = 5000;

const LABELS: Record<BackendStatus['state'], string> = {
  checking: 'Checking the bridge…',
  ready: 'Bridge ready',
  degraded: 'Bridge degraded',
  unreachable: 'dashboard-api unreachable',
};

/** dashboard-api's readiness (NATS, database), polled. */
export function BackendStatusBadge({
  loadStatus = fetchBackendStatus,
}: {
  loadStatus?: () => Promise<BackendStatus>;
}) {
  const [status, setStatus] = useState<BackendStatus>({ state: 'checking', down: [] });

  useEffect(() => {
    let active = true;
    const refresh = () => void loadStatus().then((next) => active && setStatus(next));
    refresh();
    const timer = setInterval(refresh, POLL_MS);
    return () => {
      active = false;
      clearInterval(timer);
    };
  }, [loadStatus]);

  return (
    <p role="status" data-state={status.state} className={`status status-${status.state}`}>
      {LABELS[status.state]}
      {status.down.length > 0 && <span>: {status.down.join(', ')} down</span>}
    </p>
  );
}
