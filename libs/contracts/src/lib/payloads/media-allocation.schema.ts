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
});
export type MediaAllocateRequest = z.infer<typeof mediaAllocateRequestSchema>;

export const mediaAllocateReplySchema = z.discriminatedUnion('ok', [
  gatewayEndpointSchema.extend({
    ok: z.literal(true),
    allocationId: z.string().min(1).max(64),
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

export const MEDIA_CONTROL_MAX_BYTES = 4 * 1024;
