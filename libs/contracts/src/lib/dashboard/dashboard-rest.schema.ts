import { z } from 'zod';
import { audioVerdictSchema } from '../payloads/call-event.schema';
import { suspectFormatSchema } from '../payloads/stream-stats.schema';
import { transcriptSegmentSchema } from '../payloads/transcript.schema';

/**
 * Bodies of dashboard-api's REST API (/api/v1) that the dashboard reads or sends. Zod schemas so
 * the OpenAPI document at /api/docs is generated from the same definitions that validate; the
 * dashboard imports only the types.
 */

const time = z.iso.datetime();

export const USER_ROLES = ['viewer', 'admin'] as const;
export const userRoleSchema = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof userRoleSchema>;

/** A user as the admin pages see it (never its password hash). */
export const userViewSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  role: userRoleSchema,
  disabled: z.boolean(),
  createdAt: time,
  lastLoginAt: time.nullable(),
});
export type UserView = z.infer<typeof userViewSchema>;

/**
 * What the audit log records: who logged in, listened, downloaded, read or followed a
 * transcript, managed users.
 */
export const AUDIT_ACTIONS = [
  'login_succeeded',
  'login_failed',
  'live_listen_started',
  'live_listen_stopped',
  'recording_downloaded',
  'transcript_read',
  'transcript_watched',
  'user_created',
  'user_updated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditEntryViewSchema = z.object({
  id: z.string(),
  occurredAt: time,
  action: z.enum(AUDIT_ACTIONS),
  userId: z.uuid().nullable(),
  username: z.string(),
  callId: z.string().nullable(),
  clientAddress: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntryView = z.infer<typeof auditEntryViewSchema>;

export const auditPageSchema = z.object({
  entries: z.array(auditEntryViewSchema),
  nextBefore: z.string().nullable().describe('`before` of the next (older) page'),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

export const loginSchema = z.strictObject({
  username: z.string().trim().min(1, 'is required').max(64),
  password: z.string().min(1, 'is required').max(256),
});

export const authUserSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  role: userRoleSchema,
});
export type SessionUser = z.infer<typeof authUserSchema>;

export const loginResultSchema = z.object({
  accessToken: z.string().describe('JWT to send as `Authorization: Bearer <token>`'),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('seconds until the token expires'),
  user: authUserSchema,
});
export type LoginResult = z.infer<typeof loginResultSchema>;

export const recordingSummarySchema = z.object({
  state: z.enum(['recording', 'complete', 'failed']),
  durationMs: z.number().int().nullable(),
  sizeBytes: z.number().int().nullable(),
});

/** One row of the call history. */
export const callSummarySchema = z.object({
  callId: z.string(),
  /** The customer conversation the call is a leg of: the callId of its first leg. */
  conversationId: z.string(),
  server: z.string(),
  direction: z.string().nullable(),
  state: z.enum(['started', 'answered', 'ended']),
  callerNumber: z.string().nullable(),
  callerName: z.string().nullable(),
  calleeNumber: z.string().nullable(),
  vicidial: z.object({
    callCode: z.string().nullable(),
    callType: z.string().nullable(),
    leadId: z.number().int().nullable(),
    campaign: z.string().nullable(),
    campaignName: z.string().nullable(),
    inGroup: z.string().nullable(),
    inGroupName: z.string().nullable(),
    listId: z.number().int().nullable(),
    agent: z.string().nullable(),
    agentName: z.string().nullable(),
    agentPhone: z.string().nullable(),
    conference: z.string().nullable(),
    /** VICIdial's status of the call: the agent's disposition once given. */
    status: z.string().nullable(),
    termReason: z.string().nullable(),
  }),
  startedAt: time,
  answeredAt: time.nullable(),
  /** When the call hung up; null while it lasts, and when its end was found but never seen. */
  endedAt: time.nullable(),
  /**
   * Set when the call's end was not seen but found (the bridge was away when it hung up, and
   * reconciliation found the channel gone): the end lies in this window, and the durations are
   * null rather than made up. `notBefore` is null when nothing better than the start is known.
   */
  endWindow: z.object({ notBefore: time.nullable(), notAfter: time }).nullable(),
  durationMs: z.number().int().nullable(),
  talkMs: z.number().int().nullable(),
  hangupCause: z.number().int().nullable(),
  hangupCauseText: z.string().nullable(),
  tapped: z.boolean(),
  recording: recordingSummarySchema.nullable(),
  audio: z.object({
    /** Verdicts raised on the call's audio while it was up, each once. */
    verdicts: z.array(audioVerdictSchema),
    /** From the talk summary after the end; null before, and for calls without caller and agent tracks. */
    talk: z
      .object({
        heardS: z.number(),
        customerTalkS: z.number(),
        agentTalkS: z.number(),
        overlapS: z.number(),
        longestSilenceS: z.number(),
      })
      .nullable(),
  }),
});
export type CallSummary = z.infer<typeof callSummarySchema>;

export const callPageSchema = z.object({
  calls: z.array(callSummarySchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('pass as cursor to get the next page; null at the end'),
});
export type CallPage = z.infer<typeof callPageSchema>;

export const callEventViewSchema = z.object({
  eventId: z.uuid(),
  event: z.string(),
  occurredAt: time,
  track: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()).describe('the call event as published on NATS'),
});
export type CallEventView = z.infer<typeof callEventViewSchema>;

export const streamViewSchema = z.object({
  track: z.string(),
  state: z.enum(['tapped', 'stopped', 'failed']),
  codec: z.string().nullable(),
  sampleRate: z.number().int().nullable(),
  gatewayId: z.string().nullable(),
  tapStartedAt: time.nullable(),
  tapStoppedAt: time.nullable(),
  stopReason: z.string().nullable(),
  failureStage: z.string().nullable(),
  failureError: z.string().nullable(),
  packets: z.number().int(),
  lost: z.number().int(),
  lossPercent: z.number(),
  jitterMs: z.number().nullable(),
  maxJitterMs: z.number().nullable(),
  levelDbfs: z.number().nullable(),
  stalled: z.boolean(),
  stallCount: z.number().int(),
});
export type StreamView = z.infer<typeof streamViewSchema>;

/** A track's health over time, as columns (what a chart library wants). */
export const healthSeriesSchema = z.object({
  track: z.string(),
  sampledAt: z.array(time),
  lossPercent: z.array(z.number()).describe('loss over the interval since the previous sample'),
  jitterMs: z.array(z.number()),
  levelDbfs: z.array(z.number()),
  stalled: z.array(z.boolean()),
});
export type HealthSeries = z.infer<typeof healthSeriesSchema>;

export const recordingViewSchema = recordingSummarySchema.extend({
  format: z.string(),
  sampleRate: z.number().int(),
  channels: z.number().int(),
  tracks: z.array(z.object({ track: z.string(), channel: z.number().int() })),
  startedAt: time,
  endedAt: time.nullable(),
  sha256: z.string().nullable(),
});
export type RecordingView = z.infer<typeof recordingViewSchema>;

/** One verdict on the call's audio, from its raising to its clearing (or the call's end). */
export const audioVerdictViewSchema = z.object({
  verdict: audioVerdictSchema,
  track: z.string(),
  raisedAt: time,
  /** Null while it stands; an ended call's standing verdicts ended with it. */
  clearedAt: time.nullable(),
  detail: z.string(),
  suspectFormat: suspectFormatSchema.nullable(),
  speakingTrack: z.string().nullable(),
});
export type AudioVerdictView = z.infer<typeof audioVerdictViewSchema>;

export const callDetailSchema = z.object({
  call: callSummarySchema,
  /** The other legs of the call's conversation (a transfer to another server, a 3-way call). */
  legs: z.array(callSummarySchema),
  events: z.array(callEventViewSchema),
  streams: z.array(streamViewSchema),
  health: z.array(healthSeriesSchema),
  recording: recordingViewSchema.nullable(),
  audioVerdicts: z.array(audioVerdictViewSchema),
});
export type CallDetail = z.infer<typeof callDetailSchema>;

/** The final transcript segments call-logger stored for a call, in the order they were spoken. */
export const callTranscriptSchema = z.object({
  callId: z.string(),
  segments: z.array(transcriptSegmentSchema),
});
export type CallTranscript = z.infer<typeof callTranscriptSchema>;

export const liveCountsSchema = z.object({
  active: z.number().int(),
  ringing: z.number().int(),
  answered: z.number().int(),
  streams: z.object({
    waiting: z.number().int(),
    healthy: z.number().int(),
    degraded: z.number().int(),
    stalled: z.number().int(),
  }),
});
export type LiveCounts = z.infer<typeof liveCountsSchema>;

export const trendPointSchema = liveCountsSchema.extend({ at: z.iso.datetime() });
export type TrendPoint = z.infer<typeof trendPointSchema>;

export const liveTrendSchema = z.object({
  sampleSeconds: z.number().int(),
  points: z.array(trendPointSchema),
});
export type LiveTrend = z.infer<typeof liveTrendSchema>;

export const summarySchema = z.object({
  at: z.iso.datetime(),
  live: liveCountsSchema.describe('now, from the live feed (no database needed)'),
  history: z
    .object({
      hours: z.number().int(),
      calls: z.number().int(),
      answered: z.number().int(),
      missed: z.number().int().describe('ended without being answered'),
      answerRate: z.number().nullable().describe('answered / (answered + missed), 0-1'),
      averageDurationSeconds: z.number().nullable(),
      averageTalkSeconds: z.number().nullable(),
      callsPerHour: z.array(
        z.object({ hour: z.iso.datetime(), calls: z.number().int(), answered: z.number().int() }),
      ),
    })
    .nullable()
    .describe('from the call records; null when they cannot be read'),
  historyError: z.string().nullable(),
});
export type Summary = z.infer<typeof summarySchema>;
