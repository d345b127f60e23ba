import { z } from 'zod';

const time = z.iso.datetime();

export const recordingSummarySchema = z.object({
  state: z.enum(['recording', 'complete', 'failed']),
  durationMs: z.number().int().nullable(),
  sizeBytes: z.number().int().nullable(),
});

/** One row of the call history. */
export const callSummarySchema = z.object({
  callId: z.string(),
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
    agent: z.string().nullable(),
  }),
  startedAt: time,
  answeredAt: time.nullable(),
  endedAt: time.nullable(),
  durationMs: z.number().int().nullable(),
  talkMs: z.number().int().nullable(),
  hangupCause: z.number().int().nullable(),
  hangupCauseText: z.string().nullable(),
  tapped: z.boolean(),
  recording: recordingSummarySchema.nullable(),
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

export const callDetailSchema = z.object({
  call: callSummarySchema,
  events: z.array(callEventViewSchema),
  streams: z.array(streamViewSchema),
  health: z.array(healthSeriesSchema),
  recording: recordingViewSchema.nullable(),
});
export type CallDetail = z.infer<typeof callDetailSchema>;
