import type { StreamStats } from '@asb/contracts';

/** What a stream reports about itself; the publisher adds who and when. */
export type StreamStatsSample = Omit<
  StreamStats,
  'schemaVersion' | 'gatewayId' | 'runId' | 'sampledAt'
>;

export interface StatsSource {
  /** The run the samples belong to; new for every allocation. */
  readonly runId: string;
  /** Totals so far, and the level since the previous sample (so this starts a new interval). */
  sampleStats(nowMs: number): StreamStatsSample;
}
