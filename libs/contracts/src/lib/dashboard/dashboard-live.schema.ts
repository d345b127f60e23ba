import { z } from 'zod';
import { audioVerdictSchema, vicidialMetadataSchema } from '../payloads/call-event.schema';
import { callIdSchema, trackSchema } from '../payloads/common.schema';
import type { TranscriptSegment } from '../payloads/transcript.schema';

/**
 * What dashboard-api tells dashboards about calls in progress: the REST snapshot and the
 * socket.io live namespace. Zod schemas so its OpenAPI document describes exactly these shapes;
 * the dashboard imports only the types.
 */

/** `waiting`: tapped, no sample yet; `stalled`: no packet for 2 s or more. */
export const STREAM_HEALTH_STATES = ['waiting', 'healthy', 'degraded', 'stalled'] as const;
export const streamHealthStateSchema = z.enum(STREAM_HEALTH_STATES);
export type StreamHealthState = z.infer<typeof streamHealthStateSchema>;

/** One tapped track of a call in progress. */
export const liveTrackSchema = z.object({
  track: trackSchema,
  tap: z.enum(['tapped', 'stopped', 'failed']),
  health: streamHealthStateSchema,
  codec: z.string().nullable(),
  sampleRate: z.number().int().nullable(),
  levelDbfs: z.number().nullable().describe('RMS level of the last interval, dBFS'),
  lossPercent: z.number().nullable().describe('packet loss over the last sample interval'),
  jitterMs: z.number().nullable(),
  packets: z.number().int(),
  lost: z.number().int(),
  sampledAt: z.iso.datetime({ offset: true }).nullable(),
  speaking: z
    .boolean()
    .nullable()
    .describe('speech in the last half second of the last sample; null without audio analysis'),
});
export type LiveTrack = z.infer<typeof liveTrackSchema>;

/** A call in progress: what dashboard-api knows from the call events and stream samples on NATS. */
export const liveCallSchema = z.object({
  callId: callIdSchema,
  server: z.string(),
  channelName: z.string(),
  direction: z.enum(['inbound', 'outbound', 'unknown']),
  state: z.enum(['ringing', 'answered']),
  startedAt: z.iso
    .datetime({ offset: true })
    .describe('when the call was seen (its first event, if it began before the replay window)'),
  answeredAt: z.iso.datetime({ offset: true }).nullable(),
  callerNumber: z.string().nullable(),
  callerName: z.string().nullable(),
  calleeNumber: z.string().nullable(),
  vicidial: vicidialMetadataSchema.nullable(),
  tracks: z.partialRecord(trackSchema, liveTrackSchema),
  /** Verdicts on the call's audio standing now (raised and not cleared). */
  audioVerdicts: z.array(
    z.object({
      verdict: audioVerdictSchema,
      track: trackSchema,
      since: z.iso.datetime({ offset: true }),
      detail: z.string(),
    }),
  ),
});
export type LiveCall = z.infer<typeof liveCallSchema>;

export const endedCallSchema = z.object({
  callId: callIdSchema,
  /** Null when the end was not seen: the call was found gone, or no ari-ingest follows it. */
  endedAt: z.iso.datetime({ offset: true }).nullable(),
  cause: z.number().int(),
  causeText: z.string(),
});
export type EndedCall = z.infer<typeof endedCallSchema>;

/** The change of one stream's health, as sent to dashboards (at most once a second per stream). */
export const streamHealthUpdateSchema = liveTrackSchema
  .pick({
    track: true,
    health: true,
    levelDbfs: true,
    lossPercent: true,
    jitterMs: true,
    sampledAt: true,
    speaking: true,
  })
  .extend({ callId: callIdSchema });
export type StreamHealthUpdate = z.infer<typeof streamHealthUpdateSchema>;

/**
 * Messages of the live namespace. `at` is the server's clock, so a dashboard can correct for its
 * own clock when it shows durations.
 */
export interface LiveSnapshotMessage {
  at: string;
  /** False while the replica is still replaying the recent call events after its start. */
  complete: boolean;
  calls: LiveCall[];
}

/** Call changes of the last ~100 ms; each call appears once, in its most telling list. */
export interface LiveCallsMessage {
  at: string;
  started: LiveCall[];
  answered: LiveCall[];
  updated: LiveCall[];
  ended: EndedCall[];
}

/** Stream health changes; each stream at most once per second. */
export interface LiveHealthMessage {
  at: string;
  streams: StreamHealthUpdate[];
}

/** Metadata of one relayed audio frame; the PCM16LE payload travels beside it as binary. */
export interface LiveAudioFrameMeta {
  callId: string;
  track: string;
  sequence: number;
  timestamp: number;
  sampleRate: number;
  frameMs: number;
  /** Audio-Captured-At: epoch ms of the frame's first sample, for lining the tracks up. */
  capturedAt?: number;
  /** Audio-Run-Id: the tap run; `timestamp` counts within it. */
  runId?: string;
}

export const liveListenRequestSchema = z.strictObject({ callId: callIdSchema });
export type LiveListenRequest = z.infer<typeof liveListenRequestSchema>;
export type LiveListenReply = { ok: true; callId: string } | { ok: false; error: string };

/**
 * A dashboard watching a call's transcript gets its segments as workers publish them; the
 * request is the same `{ callId }` as a live listen's.
 */
export const transcriptWatchRequestSchema = liveListenRequestSchema;
export type TranscriptWatchRequest = z.infer<typeof transcriptWatchRequestSchema>;
export type TranscriptWatchReply = { ok: true; callId: string } | { ok: false; error: string };

/** Events the server emits on the live namespace, as socket.io's typed-socket event map. */
export interface LiveServerEvents {
  snapshot: (message: LiveSnapshotMessage) => void;
  calls: (message: LiveCallsMessage) => void;
  health: (message: LiveHealthMessage) => void;
  /** The PCM16LE bytes arrive in a browser as an ArrayBuffer. */
  audio: (meta: LiveAudioFrameMeta, pcm: ArrayBuffer) => void;
  'listen:ended': (message: { callId: string }) => void;
  /**
   * A segment of a watched call's transcript (`transcript.v1`), partial or final, as the worker
   * published it: a later message with the same segmentId replaces the earlier one.
   */
  transcript: (segment: TranscriptSegment) => void;
}

/** Events a dashboard emits, each answered through its acknowledgement. */
export interface LiveClientEvents {
  'listen:start': (request: LiveListenRequest, reply: (answer: LiveListenReply) => void) => void;
  'listen:stop': (request: LiveListenRequest, reply: (answer: LiveListenReply) => void) => void;
  'transcript:watch': (
    request: TranscriptWatchRequest,
    reply: (answer: TranscriptWatchReply) => void,
  ) => void;
  'transcript:unwatch': (
    request: TranscriptWatchRequest,
    reply: (answer: TranscriptWatchReply) => void,
  ) => void;
}

export const LIVE_SERVER_EVENTS = {
  snapshot: 'snapshot',
  calls: 'calls',
  health: 'health',
  audio: 'audio',
  listenEnded: 'listen:ended',
  transcript: 'transcript',
} as const satisfies Record<string, keyof LiveServerEvents>;

export const LIVE_CLIENT_EVENTS = {
  listenStart: 'listen:start',
  listenStop: 'listen:stop',
  transcriptWatch: 'transcript:watch',
  transcriptUnwatch: 'transcript:unwatch',
} as const satisfies Record<string, keyof LiveClientEvents>;
