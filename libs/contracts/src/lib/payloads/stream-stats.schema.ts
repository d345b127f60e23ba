import { z } from 'zod';
import {
  callIdSchema,
  counterSchema,
  isoTimestampSchema,
  sampleRateSchema,
  schemaVersionSchema,
  sourceCodecSchema,
  trackSchema,
  uint32Schema,
} from './common.schema';

/**
 * Health of one tapped stream, published about once a second. Counters are totals since the
 * stream started, so a consumer that misses a sample loses resolution, not data.
 */
export const streamStatsSchema = z.object({
  schemaVersion: schemaVersionSchema,
  callId: callIdSchema,
  track: trackSchema,
  gatewayId: z.string().min(1).max(64),
  /**
   * This run of the stream: one allocation on one gateway. A re-tap, a retried tap setup or a
   * failover to another gateway starts a new run, whose counters start again from zero, so a
   * consumer sums the runs' latest counters for the stream's totals. Absent from older gateways.
   */
  runId: z.string().min(1).max(64).optional(),
  codec: sourceCodecSchema,
  sampleRate: sampleRateSchema,
  ssrc: uint32Schema.optional(),
  sampledAt: isoTimestampSchema,
  /** When the run's first packet arrived; absent until one has (and from older gateways). */
  firstPacketAt: isoTimestampSchema.optional(),
  packets: counterSchema,
  bytes: counterSchema,
  /** Packets never received (gaps in the sequence after the reorder window closed). */
  lost: counterSchema,
  duplicates: counterSchema,
  /** Packets that arrived out of order but in time to be put back in place. */
  reordered: counterSchema,
  /** Packets that arrived after their place in the stream was already published. */
  late: counterSchema,
  /** Packets refused (bad RTP, wrong payload type, wrong source), all reasons together. */
  rejected: counterSchema,
  /** RFC 3550 interarrival jitter, in milliseconds. */
  jitterMs: z.number().min(0),
  /** Time since the last packet of this stream arrived. */
  lastPacketAgeMs: z.number().min(0),
  /** RMS level of the last interval in dBFS (-100 for digital silence). */
  levelDbfs: z.number().min(-100).max(0),
  /** No packet for 2 s or more. */
  stalled: z.boolean(),
});
export type StreamStats = z.infer<typeof streamStatsSchema>;

export const STREAM_STATS_MAX_BYTES = 4 * 1024;
