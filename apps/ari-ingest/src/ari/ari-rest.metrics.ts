import type { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry } from '@asb/observability';

/** How a request ended, after its retries: also the `outcome` label. */
export type AriRequestOutcome = 'ok' | 'client_error' | 'server_error' | 'no_answer' | 'timeout';

/** The ARI REST client's metrics, shared by the clients of every server (labelled by server). */
export class AriRestMetrics {
  readonly requests: Counter<'server' | 'operation' | 'outcome'>;
  readonly inFlight: Gauge<'server'>;
  readonly retries: Counter<'server' | 'operation'>;
  readonly timeouts: Counter<'server' | 'operation'>;

  constructor(metrics: MetricsRegistry) {
    this.requests = metrics.counter({
      name: 'ari_ingest_ari_requests_total',
      help: 'ARI REST requests by server, operation and outcome (after retries)',
      labelNames: ['server', 'operation', 'outcome'],
    });
    this.inFlight = metrics.gauge({
      name: 'ari_ingest_ari_requests_in_flight',
      help: 'ARI REST requests not yet settled, those waiting for a free connection included',
      labelNames: ['server'],
    });
    this.retries = metrics.counter({
      name: 'ari_ingest_ari_request_retries_total',
      help: 'ARI REST requests sent again after a 5xx or a connection closed without an answer',
      labelNames: ['server', 'operation'],
    });
    this.timeouts = metrics.counter({
      name: 'ari_ingest_ari_request_timeouts_total',
      help: 'ARI REST requests given up after ARI_REQUEST_TIMEOUT_MS',
      labelNames: ['server', 'operation'],
    });
  }
}
