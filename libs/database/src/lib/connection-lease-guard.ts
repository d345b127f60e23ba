import type { Pool, PoolClient } from 'pg';

/**
 * Closes every connection the pool has lent out for longer than `leaseMs`. PostgreSQL cancels a
 * statement at statement_timeout and answers; a connection that still has no answer after that
 * sits behind a partition (packets dropped, no reset), which TCP notices only after many
 * minutes. Closing it fails its query at once, and the pool drops it instead of lending out a
 * connection that waits for an answer that may never come.
 */
export function guardConnectionLeases(
  pool: Pool,
  leaseMs: number,
  onClosed: (client: PoolClient) => void = () => undefined,
): void {
  const timers = new Map<PoolClient, NodeJS.Timeout>();
  const forget = (client: PoolClient) => {
    clearTimeout(timers.get(client));
    timers.delete(client);
  };
  pool.on('acquire', (client) => {
    const timer = setTimeout(() => {
      timers.delete(client);
      onClosed(client);
      client.end().catch(() => undefined);
    }, leaseMs);
    timer.unref();
    timers.set(client, timer);
  });
  pool.on('release', (_error, client) => forget(client));
  pool.on('remove', (client) => forget(client));
}
