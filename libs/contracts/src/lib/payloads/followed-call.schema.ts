import { z } from 'zod';
import { callIdSchema, isoTimestampSchema } from './common.schema';

/**
 * What anyone may read of an entry of ari-ingest's calls registry (ARI_INGEST_CALLS_BUCKET): one
 * entry per call an ari-ingest follows, written when it begins following the call and purged
 * when the call's `ended` is published. The rest of an entry (running taps, to adopt them) is
 * ari-ingest's own and may change without notice.
 */
export const followedCallSchema = z.looseObject({
  callId: callIdSchema,
  /** The last time the call was known to be up when the entry was written. */
  lastSeenAt: isoTimestampSchema.optional(),
});
export type FollowedCall = z.infer<typeof followedCallSchema>;
