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

/** What a track's audio looks like when it is not speech in the format its stream claims. */
export const SUSPECT_FORMATS = [
  /** Loud noise across the band where speech should be: byte-swapped PCM or the wrong codec. */
  'broadband_noise',
  /** Pauses sit on the value G.711 silence takes when decoded with the other law. */
  'g711_law_mismatch',
  /** A 16 kHz stream carrying 8 kHz audio played at double speed. */
  'too_bright',
] as const;
export const suspectFormatSchema = z.enum(SUSPECT_FORMATS);
export type SuspectFormat = z.infer<typeof suspectFormatSchema>;

/** Speech activity slots: fine enough to see who talks over whom, small enough for a sample. */
export const ACTIVITY_SLOT_MS = 100;
/** One character per slot: speech, no speech (sound or nothing), no audio received. */
export const ACTIVITY_SLOT_CODES = { speech: '1', noSpeech: '0', noAudio: '-' } as const;
/** A minute of slots: what a gateway keeps for a sample that has not been taken. */
export const MAX_ACTIVITY_SLOTS = 600;

/** The gateway's analysis of a stream's decoded audio (absent where it is turned off). */
export const streamAudioSchema = z.object({
  /** Totals since the run started, in ms of audio: analysed, above -60 dBFS, speech. */
  analysedMs: counterSchema.describe('Audio analysed so far in this run, in ms'),
  signalMs: counterSchema.describe('Of it, ms louder than -60 dBFS (not silence)'),
  speechMs: counterSchema.describe('Of it, ms of speech'),
  clippedSamples: counterSchema.describe('Samples at or near full scale'),
  /** Mean of the interval's samples as a share of full scale. */
  dcOffset: z.number().min(-1).max(1).describe('Mean of the interval, share of full scale'),
  /** Speech activity since the previous sample, one slot per ACTIVITY_SLOT_MS of capture time. */
  activity: z
    .object({
      from: z.number().int().min(0).describe('Epoch ms of the first slot (capture time)'),
      slots: z
        .string()
        .max(MAX_ACTIVITY_SLOTS)
        .regex(/^[01-]*$/)
        .describe("One per 100 ms: '1' speech, '0' no speech, '-' no audio"),
    })
    .optional(),
  /** Over the last 5 s: the audio does not look like speech in the stream's format. */
  suspectFormat: suspectFormatSchema.optional(),
  /** Over the last 5 s: more than 0.5 % of the loud audio's samples clip. */
  clipping: z.boolean(),
});
export type StreamAudio = z.infer<typeof streamAudioSchema>;

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
  /**
   * The gateway process serving the run (its heartbeat's bootId): when that process is gone, so
   * is the run. Absent from older gateways. An AudioSocket run's runId is its tap's UUID.
   */
  bootId: z.uuid().optional(),
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
  audio: streamAudioSchema.optional(),
  /** The run's last sample: its allocation was released, nothing more comes from it. */
  final: z.boolean().optional(),
});
export type StreamStats = z.infer<typeof streamStatsSchema>;

export const STREAM_STATS_MAX_BYTES = 4 * 1024;
