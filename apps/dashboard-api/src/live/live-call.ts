import { callIdSchema, trackSchema, vicidialMetadataSchema } from '@asb/contracts';
import { z } from 'zod';

/**
 * The live view's shapes, as zod schemas so the OpenAPI document describes exactly what the
 * REST snapshot and the socket.io messages carry (they are never validated at runtime).
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
});
export type LiveCall = z.infer<typeof liveCallSchema>;

export const endedCallSchema = z.object({
  callId: callIdSchema,
  endedAt: z.iso.datetime({ offset: true }),
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
  })
  .extend({ callId: callIdSchema });
export type StreamHealthUpdate = z.infer<typeof streamHealthUpdateSchema>;

export type CallChangeKind = 'started' | 'answered' | 'updated';
