import { useMemo } from 'react';
import type { LiveTrend, Summary } from '@asb/contracts';
import { useApiResource } from '../api/use-api-resource';
import { everyHour } from '../charts/chart-scales';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { formatDuration, formatPercent } from '../format/format';

const REFRESH_MS = 5000;
const HOUR_S = 3600;

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
    const nowMs = Date.now();
    const points = trend?.points ?? [];
    const hours = everyHour(
      summary?.history?.callsPerHour ?? [],
      nowMs - 24 * HOUR_S * 1000,
      nowMs,
      (hour) => ({ hour, calls: 0, answered: 0 }),
    );
    const hourStarts = hours.map((h) => Date.parse(h.hour) / 1000);
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
        // No bar without the day's figures: zeros for an unknown day would say "no calls".
        times: summary?.history ? hourStarts.map((start) => start + HOUR_S / 2) : [],
        series: [
          { label: 'calls', values: hours.map((h) => h.calls), color: '#2563eb' },
          { label: 'answered', values: hours.map((h) => h.answered), color: '#059669' },
        ],
        xRange: [hourStarts[0], hourStarts[hourStarts.length - 1] + HOUR_S] as [number, number],
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
        counts
        xRange={[nowS - HOUR_S, nowS]}
        emptyText="No samples yet: the live view is sampled every few seconds."
        {...charts.calls}
      />
      <TimeSeriesChart
        title="Stream health (last hour)"
        unit="streams"
        counts
        xRange={[nowS - HOUR_S, nowS]}
        emptyText="No samples yet: the live view is sampled every few seconds."
        {...charts.streams}
      />
      <TimeSeriesChart
        title="Calls per hour (24 h)"
        unit="calls"
        counts
        bars
        emptyText={summary?.historyError ? 'History unavailable.' : 'Loading the day’s calls...'}
        {...charts.perHour}
      />
    </section>
  );
}
