import { CONTRACTS_VERSION } from '../version';

export const CALL_EVENT_TYPES = [
  'started',
  'answered',
  'updated',
  'tap_started',
  'tap_stopped',
  'tap_failed',
  'egress_started',
  'egress_stopped',
  'not_tapped',
  'ended',
  'disposition',
  'audio_verdict',
  'talk_summary',
  'dtmf',
] as const;
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];

/** caller = what the customer says (snoop spy=in), agent = what the customer hears (spy=out). */
export const AUDIO_TRACKS = ['caller', 'agent', 'mixed'] as const;
export type AudioTrack = (typeof AUDIO_TRACKS)[number];

export const CALL_EVENTS_PREFIX = `call.${CONTRACTS_VERSION}`;
export const AUDIO_PREFIX = `audio.${CONTRACTS_VERSION}`;
export const STATS_PREFIX = `stats.${CONTRACTS_VERSION}`;
/** `transcript.v1.<callId>.<track>`: speech recognised on a track, by any ASR worker. */
export const TRANSCRIPT_PREFIX = `transcript.${CONTRACTS_VERSION}`;
/**
 * `recent-audio.v1.<callId>.<track>`: request/reply to the gateway that serves a track, for the
 * frames it still holds of the last seconds (a consumer that joins a call late).
 */
export const RECENT_AUDIO_PREFIX = `recent-audio.${CONTRACTS_VERSION}`;

/** Everything the JetStream stream of call lifecycle events captures. */
export const CALL_EVENTS_WILDCARD = `${CALL_EVENTS_PREFIX}.>`;
export const AUDIO_WILDCARD = `${AUDIO_PREFIX}.>`;
export const STATS_WILDCARD = `${STATS_PREFIX}.>`;
export const TRANSCRIPT_WILDCARD = `${TRANSCRIPT_PREFIX}.>`;
export const RECENT_AUDIO_WILDCARD = `${RECENT_AUDIO_PREFIX}.>`;

export const MEDIA_ALLOCATE_SUBJECT = `media.${CONTRACTS_VERSION}.allocate`;
export const MEDIA_RELEASE_SUBJECT = `media.${CONTRACTS_VERSION}.release`;
/** Every media-gateway instance announces itself here at a steady beat (core NATS). */
export const MEDIA_HEARTBEAT_SUBJECT = `media.${CONTRACTS_VERSION}.heartbeat`;
/** Prefix of each gateway process's probe subject, `<prefix>.<bootId>` (request/reply). */
export const MEDIA_PROBE_PREFIX = `media.${CONTRACTS_VERSION}.probe`;
/** Queue group every media-gateway instance joins for allocations. */
export const MEDIA_GATEWAY_QUEUE = 'media-gateway';

/**
 * Every subject of the contract as a template (`{callId}`, `{track}` are parameters). The
 * AsyncAPI document is generated from the same list, and a test checks the two agree.
 */
export const SUBJECT_TEMPLATES: readonly string[] = [
  ...CALL_EVENT_TYPES.map((event) => `${CALL_EVENTS_PREFIX}.{callId}.${event}`),
  `${AUDIO_PREFIX}.{callId}.{track}`,
  `${STATS_PREFIX}.{callId}.{track}`,
  `${TRANSCRIPT_PREFIX}.{callId}.{track}`,
  `${RECENT_AUDIO_PREFIX}.{callId}.{track}`,
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_RELEASE_SUBJECT,
  MEDIA_HEARTBEAT_SUBJECT,
  `${MEDIA_PROBE_PREFIX}.{bootId}`,
];

/** Name of the JetStream stream that stores `call.v1.>`. */
export const CALL_EVENTS_STREAM = 'CALL_EVENTS';
/**
 * Name of the JetStream stream that stores `transcript.v1.>`, so call-logger keeps every final
 * segment even when it was away while a worker published (workers publish on plain NATS).
 */
export const TRANSCRIPTS_STREAM = 'TRANSCRIPTS';

/**
 * NATS KV buckets, each owned by one service: ari-ingest's leader leases, calls and AudioSocket
 * taps (which the gateways read), egress claims.
 */
export const ARI_INGEST_LEASE_BUCKET = 'ari_ingest_leaders';
export const ARI_INGEST_CALLS_BUCKET = 'ari_ingest_calls';
export const AUDIOSOCKET_TAPS_BUCKET = 'audiosocket_taps';
export const STREAM_EGRESS_CLAIMS_BUCKET = 'stream_egress_claims';
/** Where AI workers claim calls (one worker per call): examples/transcript-worker's pattern. */
export const AI_WORKER_CLAIMS_BUCKET = 'ai_worker_claims';
