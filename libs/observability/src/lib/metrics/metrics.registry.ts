import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';

/**
 * The service's own Prometheus registry. prom-client's global registry throws when a second
 * app registers the same metric in one process (e2e tests do), so each app gets its own.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(serviceName: string, collectDefaults = true) {
    this.registry.setDefaultLabels({ service: serviceName });
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Counter<L>) ??
      new Counter({ ...config, registers: [this.registry] })
    );
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Gauge<L>) ??
      new Gauge({ ...config, registers: [this.registry] })
    );
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Histogram<L>) ??
      new Histogram({ ...config, registers: [this.registry] })
    );
  }
}
