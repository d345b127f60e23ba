import { z } from 'zod';

/**
 * Joining a call late. A consumer that starts on a call in progress subscribes to the live
 * `audio.v1.<callId>.<track>` first, then asks `recent-audio.v1.<callId>.<track>` for the last
 * seconds. The gateway serving the track answers with a stream of messages on the request's
 * reply subject: the frames it holds, oldest first, each with the same headers as live (so the
 * seam with the live frames is exact: same Audio-Run-Id, next Audio-Timestamp), and then one
 * empty message with the `Recent-Audio-End` header and the run's Audio-Run-Id (two gateways may
 * both answer while a track is re-tapped: the frames of the run whose end comes first count).
 * No gateway serves the track: NATS answers "no responders".
 */
export const RECENT_AUDIO_MAX_SECONDS = 30;

export const RECENT_AUDIO_HEADERS = {
  /** On the last message only (empty body): how many frames came before it. */
  end: 'Recent-Audio-End',
  /** On the last message only, instead of frames: why the request was refused. */
  error: 'Recent-Audio-Error',
} as const;

export const recentAudioRequestSchema = z
  .object({
    /** How far back, in seconds; the gateway's own bound caps it. Default: all it holds. */
    seconds: z.number().positive().max(RECENT_AUDIO_MAX_SECONDS).optional(),
  })
  .strict();
export type RecentAudioRequest = z.infer<typeof recentAudioRequestSchema>;
