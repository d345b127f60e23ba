import {
  ARI_INGEST_CALLS_BUCKET,
  ARI_INGEST_LEASE_BUCKET,
  AUDIO_WILDCARD,
  AUDIOSOCKET_TAPS_BUCKET,
  CALL_EVENTS_PREFIX,
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_HEARTBEAT_SUBJECT,
  MEDIA_PROBE_PREFIX,
  MEDIA_RELEASE_SUBJECT,
  AI_WORKER_CLAIMS_BUCKET,
  RECENT_AUDIO_PREFIX,
  RECENT_AUDIO_WILDCARD,
  STATS_WILDCARD,
  STREAM_EGRESS_CLAIMS_BUCKET,
  TRANSCRIPT_WILDCARD,
  TRANSCRIPTS_STREAM,
} from '../subjects/subject-names';
import { RECENT_AUDIO_MAX_SECONDS } from '../audio/recent-audio';

/**
 * The NATS users of a deployment: one per service; `ai-consumer` for AI teams that only listen,
 * `ai-worker` for workers that also publish transcripts and claim calls, and `replay` for the
 * replay tool.
 */
export const NATS_USERS = [
  'ari-ingest',
  'media-gateway',
  'call-logger',
  'dashboard-api',
  'stream-egress',
  'ai-consumer',
  'ai-worker',
  'replay',
] as const;
export type NatsUser = (typeof NATS_USERS)[number];

export interface NatsPermissions {
  publish: readonly string[];
  subscribe: readonly string[];
  /**
   * May answer requests made to it (on their reply subjects) without a publish grant for them,
   * with up to `max` messages per request (nats-server allows one unless told more).
   */
  allowResponses?: { max: number };
}

/** The largest message the server accepts: well above every contract's own limit. */
export const NATS_MAX_PAYLOAD_BYTES = 256 * 1024;

/** The subjects once each, in the order given. */
const allow = (...subjects: string[]): readonly string[] => [...new Set(subjects)];

/** Replies to a client's requests, JetStream's included, and its ordered consumers' deliveries. */
const INBOX = '_INBOX.>';
const JETSTREAM_INFO = '$JS.API.INFO';
/** Asking a gateway for a track's recent audio (the answers come to the asker's inbox). */
const RECENT_AUDIO_REQUESTS = `${RECENT_AUDIO_PREFIX}.*.*`;

function streamAdmin(stream: string): string[] {
  return ['INFO', 'CREATE', 'UPDATE'].map((action) => `$JS.API.STREAM.${action}.${stream}`);
}

/** What reading a stream through consumers takes: creating them, fetching, acking, flow control. */
function streamReading(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** A KV bucket its owner creates, reads, writes and watches. */
function kvBucket(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    ...streamAdmin(stream),
    ...streamReading(stream),
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.STREAM.PURGE.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$KV.${bucket}.>`,
  ];
}

/** Reading single keys of a KV bucket (direct gets of a bound bucket), and nothing else of it. */
function kvLookup(bucket: string): string[] {
  return [`$JS.API.DIRECT.GET.KV_${bucket}.>`];
}

/**
 * Least privilege on NATS: each service may publish and subscribe only what the contracts give
 * it (and the JetStream API of its own streams and buckets); everything else is refused by the
 * server. deploy/k8s/base/nats/nats-server.conf is rendered from this.
 */
export const NATS_PERMISSIONS: Readonly<Record<NatsUser, NatsPermissions>> = {
  'ari-ingest': {
    publish: allow(
      JETSTREAM_INFO,
      ...streamAdmin(CALL_EVENTS_STREAM),
      CALL_EVENTS_WILDCARD,
      MEDIA_ALLOCATE_SUBJECT,
      MEDIA_RELEASE_SUBJECT,
      `${MEDIA_PROBE_PREFIX}.*`,
      ...kvBucket(ARI_INGEST_LEASE_BUCKET),
      ...kvBucket(ARI_INGEST_CALLS_BUCKET),
      ...kvBucket(AUDIOSOCKET_TAPS_BUCKET),
    ),
    // Stats: the gateways' audio analysis, which the call's audio verdicts are made of.
    subscribe: allow(INBOX, MEDIA_HEARTBEAT_SUBJECT, STATS_WILDCARD),
  },
  'media-gateway': {
    publish: allow(
      AUDIO_WILDCARD,
      STATS_WILDCARD,
      MEDIA_HEARTBEAT_SUBJECT,
      JETSTREAM_INFO,
      ...kvLookup(AUDIOSOCKET_TAPS_BUCKET),
    ),
    subscribe: allow(
      INBOX,
      MEDIA_ALLOCATE_SUBJECT,
      MEDIA_RELEASE_SUBJECT,
      `${MEDIA_PROBE_PREFIX}.*`,
      RECENT_AUDIO_WILDCARD,
    ),
    // A recent-audio answer is a message per held frame (20 ms at the shortest), then its end.
    allowResponses: { max: (RECENT_AUDIO_MAX_SECONDS * 1000) / 20 + 1 },
  },
  'call-logger': {
    publish: allow(
      JETSTREAM_INFO,
      ...streamAdmin(CALL_EVENTS_STREAM),
      ...streamReading(CALL_EVENTS_STREAM),
      ...streamAdmin(TRANSCRIPTS_STREAM),
      ...streamReading(TRANSCRIPTS_STREAM),
    ),
    subscribe: allow(INBOX, AUDIO_WILDCARD, STATS_WILDCARD),
  },
  'dashboard-api': {
    publish: allow(
      JETSTREAM_INFO,
      ...streamReading(CALL_EVENTS_STREAM),
      ...streamReading(`KV_${ARI_INGEST_CALLS_BUCKET}`),
    ),
    subscribe: allow(INBOX, AUDIO_WILDCARD, STATS_WILDCARD, TRANSCRIPT_WILDCARD),
  },
  'stream-egress': {
    publish: allow(
      JETSTREAM_INFO,
      ...streamReading(CALL_EVENTS_STREAM),
      `${CALL_EVENTS_PREFIX}.*.egress_started`,
      `${CALL_EVENTS_PREFIX}.*.egress_stopped`,
      ...kvBucket(STREAM_EGRESS_CLAIMS_BUCKET),
      RECENT_AUDIO_REQUESTS,
    ),
    subscribe: allow(INBOX, AUDIO_WILDCARD),
  },
  // Listens only: audio, stats, events and transcripts, and a track's recent audio on request.
  'ai-consumer': {
    publish: allow(RECENT_AUDIO_REQUESTS),
    subscribe: allow(
      INBOX,
      AUDIO_WILDCARD,
      STATS_WILDCARD,
      CALL_EVENTS_WILDCARD,
      TRANSCRIPT_WILDCARD,
    ),
  },
  // Listens like ai-consumer, reads the call events' history, claims calls and publishes what
  // it recognised.
  'ai-worker': {
    publish: allow(
      RECENT_AUDIO_REQUESTS,
      TRANSCRIPT_WILDCARD,
      JETSTREAM_INFO,
      ...streamReading(CALL_EVENTS_STREAM),
      ...kvBucket(AI_WORKER_CLAIMS_BUCKET),
    ),
    subscribe: allow(
      INBOX,
      AUDIO_WILDCARD,
      STATS_WILDCARD,
      CALL_EVENTS_WILDCARD,
      TRANSCRIPT_WILDCARD,
    ),
  },
  // Plays recorded calls back: call events into JetStream and audio frames, nothing else.
  replay: {
    publish: allow(JETSTREAM_INFO, CALL_EVENTS_WILDCARD, AUDIO_WILDCARD),
    subscribe: allow(INBOX),
  },
};

/** The environment variable the server config reads a user's password from. */
export function natsPasswordVariable(user: NatsUser): string {
  return `${user.toUpperCase().replace(/-/g, '_')}_NATS_PASSWORD`;
}

/**
 * nats-server's configuration: the payload limit, JetStream, and one user per service with its
 * permissions; passwords come from the server's environment (NATS_PASSWORD variables), so the
 * file holds no secret.
 */
export function renderNatsServerConfig(): string {
  const list = (subjects: readonly string[]) =>
    `[\n${subjects.map((s) => `          "${s}"`).join('\n')}\n        ]`;
  const users = NATS_USERS.map((user) => {
    const permissions = NATS_PERMISSIONS[user];
    return [
      '    {',
      `      user: "${user}"`,
      `      password: $${natsPasswordVariable(user)}`,
      '      permissions: {',
      // An empty allow list would be no restriction at all: nothing is then said as deny all.
      permissions.publish.length === 0
        ? '        publish: { deny: [">"] }'
        : `        publish: { allow: ${list(permissions.publish)} }`,
      `        subscribe: { allow: ${list(permissions.subscribe)} }`,
      ...(permissions.allowResponses
        ? [`        allow_responses: { max: ${permissions.allowResponses.max} }`]
        : []),
      '      }',
      '    }',
    ].join('\n');
  });
  return [
    `max_payload: ${NATS_MAX_PAYLOAD_BYTES}`,
    // The store's place is the deployment's: `nats-server -c <this file> -sd <dir>`.
    'jetstream: {}',
    'authorization: {',
    '  users: [',
    users.join('\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
