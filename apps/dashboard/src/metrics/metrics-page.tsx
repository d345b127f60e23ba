import { useMemo } from 'react';
import type { LiveTrend, Summary } from '@asb/contracts';
import { useApiResource } from '../api/use-api-resource';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { formatDuration, formatPercent } from '../format/format';

const REFRESH_MS = 5000;

function Card({ label, value, tone }: { label: string; value: string | number; tone?: string }) {
  return (
    <div className={`card ${tone ? `card-${tone}` : ''}`} data-metric={label}>
      <span className="card-value">{value}</span>
      <span className="card-label">{label}</span>
    </div>
  );
}

/** Concurrent calls and stream health over time, and the day's call figures. */
export function MetricsPage() {
  const { data: summary, error } = useApiResource<Summary>('/api/v1/summary?hours=24', REFRESH_MS);
  const { data: trend } = useApiResource<LiveTrend>('/api/v1/trends/live?minutes=60', REFRESH_MS);
  const charts = useMemo(() => {
    const points = trend?.points ?? [];
    const times = points.map((p) => Date.parse(p.at) / 1000);
    return {
      calls: {
        times,
        series: [
          { label: 'active', values: points.map((p) => p.active), color: '#2563eb' },
          { label: 'answered', values: points.map((p) => p.answered), color: '#059669' },
        ],
      },
      streams: {
        times,
        series: [
          { label: 'healthy', values: points.map((p) => p.streams.healthy), color: '#059669' },
          { label: 'degraded', values: points.map((p) => p.streams.degraded), color: '#d97706' },
          { label: 'stalled', values: points.map((p) => p.streams.stalled), color: '#dc2626' },
        ],
      },
      perHour: {
        times: (summary?.history?.callsPerHour ?? []).map((h) => Date.parse(h.hour) / 1000),
        series: [
          {
            label: 'calls',
            values: (summary?.history?.callsPerHour ?? []).map((h) => h.calls),
            color: '#2563eb',
          },
          {
            label: 'answered',
            values: (summary?.history?.callsPerHour ?? []).map((h) => h.answered),
            color: '#059669',
          },
        ],
      },
    };
  }, [trend, summary]);
  const history = summary?.history;
  const nowS = Date.now() / 1000;

  return (
    <section className="page">
      <header className="page-header">
        <h2>Metrics</h2>
      </header>
      {error && <p className="error-text">{error.message}</p>}
      {summary && (
        <div className="cards">
          <Card label="active calls" value={summary.live.active} />
          <Card label="healthy streams" value={summary.live.streams.healthy} tone="healthy" />
          <Card label="degraded streams" value={summary.live.streams.degraded} tone="degraded" />
          <Card label="stalled streams" value={summary.live.streams.stalled} tone="stalled" />
          <Card label="calls (24 h)" value={history?.calls ?? '—'} />
          <Card label="answer rate" value={formatPercent(history?.answerRate)} />
          <Card
            label="average duration"
            value={formatDuration(
              history?.averageDurationSeconds ? history.averageDurationSeconds * 1000 : null,
            )}
          />
        </div>
      )}
      {summary?.historyError && (
        <p className="muted">History unavailable: {summary.historyError}</p>
      )}
      <TimeSeriesChart
        title="Concurrent calls (last hour)"
        unit="calls"
        xRange={[nowS - 3600, nowS]}
        {...charts.calls}
      />
      <TimeSeriesChart
        title="Stream health (last hour)"
        unit="streams"
        xRange={[nowS - 3600, nowS]}
        {...charts.streams}
      />
      <TimeSeriesChart
        title="Calls per hour (24 h)"
        unit="calls"
        xRange={[nowS - 24 * 3600, nowS]}
        {...charts.perHour}
      />
    </section>
  );
}
