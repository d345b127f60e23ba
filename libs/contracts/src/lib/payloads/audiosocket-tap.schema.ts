import { z } from 'zod';
import { callIdSchema, isoTimestampSchema, trackSchema } from './common.schema';
import { mediaAllocateRequestSchema } from './media-allocation.schema';

/**
 * A track tapped over AudioSocket, as ari-ingest registers it before it asks Asterisk for the
 * externalMedia channel: the gateway pod that accepts Asterisk's connection reads the UUID, the
 * connection's first message, and learns from this entry which call and track it carries. Kept
 * in the AUDIOSOCKET_TAPS_BUCKET under the UUID; deleted when the tap stops.
 */
export const audioSocketTapSchema = z.object({
  uuid: z.uuid(),
  callId: callIdSchema,
  track: trackSchema,
  /** Configured name of the Asterisk server that connects. */
  server: mediaAllocateRequestSchema.shape.server,
  /** Asterisk 18 sends signed linear 8 kHz; upsampled to 16 kHz frames when consumers want them. */
  resampleTo16k: z.boolean().optional(),
  /** The addresses the Asterisk server connects from: a connection from any other is refused. */
  sources: mediaAllocateRequestSchema.shape.sources,
  registeredAt: isoTimestampSchema,
});
export type AudioSocketTap = z.infer<typeof audioSocketTapSchema>;

export const AUDIOSOCKET_TAP_MAX_BYTES = 2 * 1024;
