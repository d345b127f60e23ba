import { DiscardPolicy, RetentionPolicy, StorageType, StreamConfig, nanos } from 'nats';
import {
  TRANSCRIPT_SEGMENT_MAX_BYTES,
  TRANSCRIPT_WILDCARD,
  TRANSCRIPTS_STREAM,
} from '@asb/contracts';
import type { CallLoggerConfig } from '../config/call-logger.config';

/** Workers publish on plain NATS without a message id, so a short window is enough. */
const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/**
 * The TRANSCRIPTS stream: every segment workers publish on `transcript.v1.>`, kept for a bounded
 * time so call-logger stores the finals published while it was away. call-logger alone
 * provisions it (workers only publish), with the call events' replica count.
 */
export function transcriptsStreamConfig(
  config: Pick<
    CallLoggerConfig,
    'TRANSCRIPTS_MAX_AGE_HOURS' | 'TRANSCRIPTS_MAX_BYTES' | 'CALL_EVENTS_REPLICAS'
  >,
): Partial<StreamConfig> & { name: string } {
  return {
    name: TRANSCRIPTS_STREAM,
    subjects: [TRANSCRIPT_WILDCARD],
    description: 'Transcript segments of the Audio Streaming Bridge, for call-logger to store',
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(config.TRANSCRIPTS_MAX_AGE_HOURS * 3600 * 1000),
    max_bytes: config.TRANSCRIPTS_MAX_BYTES,
    max_msgs: -1,
    // Above the contract's limit, so a segment a little too large is stored and dead-lettered.
    max_msg_size: TRANSCRIPT_SEGMENT_MAX_BYTES + 4 * 1024,
    num_replicas: config.CALL_EVENTS_REPLICAS,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
}
