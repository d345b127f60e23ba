import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { clockTickLabel, countAxisTop } from './chart-scales';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  color: string;
}

const PALETTE = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed'];
const TIME_TICK_SECONDS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
];

/**
 * A uPlot chart over time (x in seconds since the epoch), sized to its container. It must read
 * well with no sample, one sample and many: a fixed time span when given, clock ticks, counts
 * from zero, and a line saying so when there is nothing to draw. The scales and ticks uPlot
 * settled on are kept on the figure (data-drawn-points, data-x-min, data-x-max, data-y-min,
 * data-y-max, data-x-ticks), as of its latest drawing, for the browser tests.
 */
export function TimeSeriesChart({
  title,
  times,
  series,
  unit,
  height = 180,
  xRange,
  counts = false,
  bars = false,
  emptyText = 'No samples yet.',
}: {
  title: string;
  times: number[];
  series: ChartSeries[];
  unit: string;
  height?: number;
  /** The time span to show (seconds); by default the data's own, which one point makes absurd. */
  xRange?: [number, number];
  /** The values are counts: the axis starts at 0 and ends on a round number of at least 1. */
  counts?: boolean;
  /** One bar per time, centred on it (e.g. mid-hour), instead of a line. */
  bars?: boolean;
  emptyText?: string;
}) {
  const figure = useRef<HTMLElement>(null);
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
          ...series.map((s, i) => {
            const color = s.color || PALETTE[i % PALETTE.length];
            return {
              label: s.label,
              stroke: color,
              width: 1.5,
              spanGaps: false,
              ...(bars
                ? {
                    fill: `${color}99`,
                    // Later series drawn narrower inside the first: answered within all calls.
                    paths: uPlot.paths.bars?.({ size: [i === 0 ? 0.8 : 0.45, 40] }),
                    points: { show: false },
                  }
                : {}),
            };
          }),
        ],
        scales: {
          x: { time: true, range: (_plot, min, max) => range.current ?? [min, max] },
          ...(counts ? { y: { range: (_plot, _min, max) => [0, countAxisTop(max)] } } : {}),
        },
        axes: [
          {
            // Whole seconds at least: the labels have no fractions, so closer ticks repeat.
            incrs: TIME_TICK_SECONDS,
            values: (_plot, splits, _axis, _space, spacing) => {
              const ticks = splits.map((s) => clockTickLabel(s, spacing));
              if (figure.current) figure.current.dataset['xTicks'] = ticks.join('|');
              return ticks;
            },
          },
          {
            label: unit,
            size: 60,
            ...(counts ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] } : {}),
          },
        ],
        legend: { show: true },
        hooks: {
          draw: [
            (drawn) => {
              const data = figure.current?.dataset;
              if (!data) return;
              data['drawnPoints'] = String(drawn.data[0]?.length ?? 0);
              data['xMin'] = String(drawn.scales['x'].min);
              data['xMax'] = String(drawn.scales['x'].max);
              data['yMin'] = String(drawn.scales['y'].min);
              data['yMax'] = String(drawn.scales['y'].max);
            },
          ],
        },
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
  }, [labels, unit, height, counts, bars]);

  useEffect(() => {
    chart.current?.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);

  return (
    <figure ref={figure} className="chart" data-chart={title} data-points={times.length}>
      <figcaption>{title}</figcaption>
      {times.length === 0 && <p className="chart-empty">{emptyText}</p>}
      <div ref={container} />
    </figure>
  );
}
