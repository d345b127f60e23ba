import { z } from 'zod';
import { callIdSchema, sourceCodecSchema, trackSchema } from './common.schema';
import { gatewayEndpointSchema } from './call-event.schema';

export const mediaAllocateRequestSchema = z.object({
  callId: callIdSchema,
  track: trackSchema,
  codec: sourceCodecSchema,
  /** Configured name of the Asterisk server that will send the RTP. */
  server: z.string().min(1).max(40),
  /** Whether consumers want 16 kHz frames from an 8 kHz source (upsampled by the gateway). */
  resampleTo16k: z.boolean().optional(),
  /**
   * The addresses the Asterisk server sends RTP from: the gateway drops packets from any other
   * (counted as foreign_source), so no one else can take the stream. Unset (an ari-ingest older
   * than this field), the first valid packet's sender is latched.
   */
  sources: z
    .array(z.union([z.ipv4(), z.ipv6()]))
    .min(1)
    .max(16)
    .optional(),
});
export type MediaAllocateRequest = z.infer<typeof mediaAllocateRequestSchema>;

export const mediaAllocateReplySchema = z.discriminatedUnion('ok', [
  gatewayEndpointSchema.extend({
    ok: z.literal(true),
    allocationId: z.string().min(1).max(64),
    /** The gateway process that holds the allocation: a restarted gateway has a new one. */
    bootId: z.uuid(),
  }),
  z.object({
    ok: z.literal(false),
    error: z.string().max(1024),
    /** The port pool was full: another gateway, or a later try, may succeed. */
    retryable: z.boolean(),
  }),
]);
export type MediaAllocateReply = z.infer<typeof mediaAllocateReplySchema>;

/**
 * A release is sent to every gateway (no queue group): the gateway that owns the allocation
 * answers, the others stay silent, so the first reply is the owner's.
 */
export const mediaReleaseRequestSchema = z.object({
  allocationId: z.string().min(1).max(64),
  gatewayId: z.string().min(1).max(64),
});
export type MediaReleaseRequest = z.infer<typeof mediaReleaseRequestSchema>;

export const mediaReleaseReplySchema = z.object({
  ok: z.boolean(),
  error: z.string().max(1024).optional(),
});
export type MediaReleaseReply = z.infer<typeof mediaReleaseReplySchema>;

/**
 * A gateway's announcement of itself, every `intervalMs`. A listener that hears no beat from a
 * gateway for a few intervals, or hears a new `bootId` under the same `gatewayId`, knows that the
 * gateway's allocations (and the audio they carried) are gone.
 */
export const gatewayHeartbeatSchema = z.object({
  gatewayId: z.string().min(1).max(64),
  /** Random per process start. */
  bootId: z.uuid(),
  /** Address Asterisk sends this gateway's RTP to. */
  host: z.string().min(1).max(64),
  sentAt: z.iso.datetime({ offset: true }),
  /** The beat: the next heartbeat is due this long after this one. */
  intervalMs: z.number().int().min(50).max(60_000),
  /** Allocations held now, and how many the port pool allows. */
  allocations: z.number().int().min(0),
  capacity: z.number().int().min(0),
  /** True once the gateway is stopping: it takes no new allocations. */
  draining: z.boolean(),
});
export type GatewayHeartbeat = z.infer<typeof gatewayHeartbeatSchema>;

export const MEDIA_CONTROL_MAX_BYTES = 4 * 1024;
