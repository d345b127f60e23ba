import type { StreamHealthState } from '@asb/contracts';

export interface HealthThresholds {
  degradedLossPercent: number;
  degradedJitterMs: number;
}

/**
 * Health of a stream from its latest sample: stalled beats degraded beats healthy. Loss is judged
 * over the last interval, not since the start, so a stream that recovers turns healthy again.
 */
export function classifyStreamHealth(
  sample: { stalled: boolean; jitterMs: number },
  lossPercent: number,
  thresholds: HealthThresholds,
): StreamHealthState {
  if (sample.stalled) return 'stalled';
  if (
    lossPercent >= thresholds.degradedLossPercent ||
    sample.jitterMs >= thresholds.degradedJitterMs
  ) {
    return 'degraded';
  }
  return 'healthy';
}

/** Share of the packets of an interval that never arrived, from two cumulative samples. */
export function intervalLossPercent(
  previous: { packets: number; lost: number } | undefined,
  current: { packets: number; lost: number },
): number {
  const packets = current.packets - (previous?.packets ?? 0);
  const lost = current.lost - (previous?.lost ?? 0);
  // A restarted stream's counters start again from zero: judge the new totals alone.
  if (packets < 0 || lost < 0) return intervalLossPercent(undefined, current);
  const expected = packets + lost;
  return expected === 0 ? 0 : Math.round((lost / expected) * 1000) / 10;
}
