import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
}

const PALETTE = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed'];

/** A uPlot line chart over time (x in seconds since the epoch), sized to its container. */
export function TimeSeriesChart({
  title,
  times,
  series,
  unit,
  height = 180,
  xRange,
}: {
  title: string;
  times: number[];
  series: ChartSeries[];
  unit: string;
  height?: number;
  /** The time span to show (seconds); by default the data's own, which one point makes absurd. */
  xRange?: [number, number];
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const range = useRef(xRange);
  range.current = xRange;
  const labels = series.map((s) => s.label).join('|');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const plot = new uPlot(
      {
        width: Math.max(300, element.clientWidth),
        height,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color || PALETTE[i % PALETTE.length],
            width: 1.5,
            spanGaps: false,
          })),
        ],
        scales: {
          x: {
            time: true,
            range: (_plot, min, max) => range.current ?? [min, max],
          },
        },
        axes: [{}, { label: unit, size: 60 }],
        legend: { show: true },
      },
      [times, ...series.map((s) => s.values)],
      element,
    );
    chart.current = plot;
    const observer =
      typeof ResizeObserver === 'function'
        ? new ResizeObserver(() =>
            plot.setSize({ width: Math.max(300, element.clientWidth), height }),
          )
        : undefined;
    observer?.observe(element);
    return () => {
      observer?.disconnect();
      plot.destroy();
      chart.current = undefined;
    };
    // The chart is rebuilt only when its series change; new data goes through setData below.
  }, [labels, unit, height]);

  useEffect(() => {
    chart.current?.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);

  return (
    <figure className="chart" data-chart={title}>
      <figcaption>{title}</figcaption>
      <div ref={container} />
    </figure>
  );
}
