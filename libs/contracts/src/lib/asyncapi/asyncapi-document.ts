import { z } from 'zod';
import { AUDIO_HEADERS, AUDIO_FRAME_MAX_BYTES, REQUIRED_AUDIO_HEADERS } from '../audio/audio-frame';
import {
  RECENT_AUDIO_HEADERS,
  RECENT_AUDIO_MAX_SECONDS,
  recentAudioRequestSchema,
} from '../audio/recent-audio';
import {
  TRANSCRIPT_SEGMENT_MAX_BYTES,
  transcriptSegmentSchema,
} from '../payloads/transcript.schema';
import { CALL_EVENT_SCHEMAS, CALL_EVENT_MAX_BYTES } from '../payloads/call-event.schema';
import {
  AUDIO_TRACKS,
  CALL_EVENT_TYPES,
  CallEventType,
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_GATEWAY_QUEUE,
  MEDIA_HEARTBEAT_SUBJECT,
  MEDIA_PROBE_PREFIX,
  MEDIA_RELEASE_SUBJECT,
} from '../subjects/subject-names';
import { streamStatsSchema, STREAM_STATS_MAX_BYTES } from '../payloads/stream-stats.schema';
import {
  gatewayHeartbeatSchema,
  mediaAllocateReplySchema,
  mediaAllocateRequestSchema,
  mediaReleaseReplySchema,
  mediaReleaseRequestSchema,
} from '../payloads/media-allocation.schema';
import {
  AUDIO_PREFIX,
  CALL_EVENTS_PREFIX,
  CALL_EVENTS_STREAM,
  RECENT_AUDIO_PREFIX,
  STATS_PREFIX,
  TRANSCRIPT_PREFIX,
  TRANSCRIPTS_STREAM,
} from '../subjects/subject-names';
import { CONTRACTS_VERSION, SCHEMA_VERSION } from '../version';

type JsonObject = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonObject {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonObject;
  return rest;
}

const CALL_EVENT_DESCRIPTIONS: Record<CallEventType, string> = {
  started:
    'A channel that the tap policy counts as a call was seen (ChannelCreated, or found by reconciliation).',
  answered: 'The call channel went Up. VICIdial metadata usually becomes known here.',
  updated:
    "Caller id or VICIdial metadata of the call changed after it started: the call code, or what VICIdial's database says (campaign, in-group, list, agent).",
  tap_started: `One track is tapped: audio is flowing on ${AUDIO_PREFIX}.{callId}.{track}.`,
  tap_stopped: 'One track is no longer tapped (the call ended, shutdown, or policy).',
  tap_failed: 'A track could not be tapped; the call itself is unaffected.',
  egress_started:
    "stream-egress began sending the call's audio to a WebSocket backend (or an AI client connected for it).",
  egress_stopped:
    'An egress stream of the call ended, with why and how many frames were sent and dropped.',
  not_tapped:
    "A track the policy selects is not tapped because the server's cap on concurrent taps was reached; it is tapped if capacity frees while the call lasts.",
  ended: 'The call channel was destroyed; carries the Q.850 cause.',
  disposition:
    "VICIdial's log has the call's status (the agent's disposition) and term reason, in vicidial; may come minutes after ended and change again, the latest one stands. It never brings an ended call back.",
  audio_verdict:
    "ari-ingest raised or cleared a verdict on a live call's audio (one_way_audio, silent_track, suspect_format, clipping), judged from the gateways' analysis in the stream stats; ended clears them all.",
  talk_summary:
    'Talk time of an ended call from its caller and agent tracks: customer and agent speech, overlap, longest silence, over the time both were heard.',
  dtmf: "A key pressed on the customer's channel. Off unless ari-ingest's DTMF setting turns it on for the call's campaign; masked (no digit) unless that setting is clear, because customers type card numbers.",
};

const callIdParameter = {
  description:
    'The call: `<server>-<epoch>-<counter>`, one NATS token of [A-Za-z0-9_-], at most 128 characters.',
};
const trackParameter = {
  description: 'caller = what the customer says, agent = what the customer hears, mixed = both.',
  enum: [...AUDIO_TRACKS],
};

const camel = (event: string) => event.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The AsyncAPI 3.0 description of every subject, built from the same code that validates the
 * messages. docs/asyncapi.yaml is this document; a test fails when the two differ.
 */
export function buildAsyncApiDocument(): JsonObject {
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const messages: JsonObject = {};

  for (const event of CALL_EVENT_TYPES) {
    const id = `call${camel(event[0].toUpperCase() + event.slice(1))}`;
    messages[id] = {
      name: id,
      title: `call ${event}`,
      summary: CALL_EVENT_DESCRIPTIONS[event],
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: {
          'Nats-Msg-Id': {
            type: 'string',
            description: 'Equals eventId; JetStream drops repeats.',
          },
        },
      },
      payload: jsonSchema(CALL_EVENT_SCHEMAS[event]),
    };
    channels[id] = {
      address: `${CALL_EVENTS_PREFIX}.{callId}.${event}`,
      description: `${CALL_EVENT_DESCRIPTIONS[event]} Stored in the JetStream stream ${CALL_EVENTS_STREAM}; body at most ${CALL_EVENT_MAX_BYTES} bytes.`,
      parameters: { callId: callIdParameter },
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    operations[`publish${id[0].toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      summary: 'Published by ari-ingest to JetStream.',
      channel: { $ref: `#/channels/${id}` },
    };
  }

  messages['audioFrame'] = {
    name: 'audioFrame',
    title: 'audio frame',
    summary: 'One frame of decoded audio: raw PCM16LE mono samples, no framing.',
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      required: [...REQUIRED_AUDIO_HEADERS],
      properties: {
        [AUDIO_HEADERS.sequence]: {
          type: 'string',
          description: 'Frame counter from 0, +1 per frame.',
        },
        [AUDIO_HEADERS.timestamp]: {
          type: 'string',
          description:
            'Index of the first sample since the tap run started; jumps over lost audio. Starts at 0 again when a call is re-tapped (a new Audio-Run-Id).',
        },
        [AUDIO_HEADERS.sampleRate]: { type: 'string', enum: ['8000', '16000'] },
        [AUDIO_HEADERS.codec]: {
          type: 'string',
          enum: ['ulaw', 'alaw', 'slin', 'slin16'],
          description: 'Codec received from Asterisk.',
        },
        [AUDIO_HEADERS.frameMs]: {
          type: 'string',
          description: 'Frame duration in milliseconds (20 for RTP from Asterisk).',
        },
        [AUDIO_HEADERS.capturedAt]: {
          type: 'string',
          pattern: '^[0-9]{1,15}$',
          description:
            "Wall-clock time of the frame's first sample, Unix epoch milliseconds, as the gateway estimates it from the packets' arrival and RTP timestamps (the fastest packet of the last seconds fixes the mapping, so queueing delay does not move it). The one clock shared by frames of every tap, gateway and track: place frames on a common timeline with it, not with Audio-Timestamp.",
        },
        [AUDIO_HEADERS.runId]: {
          type: 'string',
          pattern: '^[A-Za-z0-9_-]{1,64}$',
          description:
            "The tap run: one id per gateway allocation, new on every re-tap of the call's track; the same id as the stream stats' runId. Audio-Sequence and Audio-Timestamp count within a run.",
        },
        [AUDIO_HEADERS.replayOf]: {
          type: 'string',
          pattern: '^[A-Za-z0-9_-]{1,128}$',
          description:
            'Only on frames of a replayed call (the replay tool): the callId of the recorded call it copies. Live frames never carry it.',
        },
      },
    },
    payload: { type: 'string', format: 'binary', maxLength: AUDIO_FRAME_MAX_BYTES },
  };
  channels['audio'] = {
    address: `${AUDIO_PREFIX}.{callId}.{track}`,
    description:
      'Live audio of one track of a call, core NATS (never JetStream). Subscribe to audio.v1.{callId}.> after tap_started.',
    parameters: { callId: callIdParameter, track: trackParameter },
    messages: { audioFrame: { $ref: '#/components/messages/audioFrame' } },
  };
  operations['publishAudio'] = {
    action: 'send',
    summary: 'Published by media-gateway.',
    channel: { $ref: '#/channels/audio' },
  };

  messages['streamStats'] = {
    name: 'streamStats',
    title: 'stream health',
    contentType: 'application/json',
    payload: jsonSchema(streamStatsSchema),
  };
  channels['stats'] = {
    address: `${STATS_PREFIX}.{callId}.{track}`,
    description: `Health of one tapped stream, about once a second, core NATS; body at most ${STREAM_STATS_MAX_BYTES} bytes. With audio: the gateway's analysis of the decoded PCM (speech activity in 100 ms slots, clipping, a format that does not look like speech).`,
    parameters: { callId: callIdParameter, track: trackParameter },
    messages: { streamStats: { $ref: '#/components/messages/streamStats' } },
  };
  operations['publishStats'] = {
    action: 'send',
    summary: 'Published by media-gateway.',
    channel: { $ref: '#/channels/stats' },
  };

  messages['transcriptSegment'] = {
    name: 'transcriptSegment',
    title: 'transcript segment',
    summary:
      'Speech recognised on one track: partial segments while the words change, then one final with the same segmentId.',
    contentType: 'application/json',
    payload: jsonSchema(transcriptSegmentSchema),
  };
  channels['transcript'] = {
    address: `${TRANSCRIPT_PREFIX}.{callId}.{track}`,
    description: `What was said on one track, from any ASR worker (publish on plain NATS; the JetStream stream ${TRANSCRIPTS_STREAM} keeps it so call-logger stores every final). Body at most ${TRANSCRIPT_SEGMENT_MAX_BYTES} bytes.`,
    parameters: { callId: callIdParameter, track: trackParameter },
    messages: { transcriptSegment: { $ref: '#/components/messages/transcriptSegment' } },
  };
  operations['publishTranscript'] = {
    action: 'send',
    summary: 'Published by ASR workers (examples/transcript-worker shows how).',
    channel: { $ref: '#/channels/transcript' },
  };

  messages['recentAudioRequest'] = {
    name: 'recentAudioRequest',
    title: 'recent audio request',
    contentType: 'application/json',
    payload: jsonSchema(recentAudioRequestSchema),
  };
  messages['recentAudioEnd'] = {
    name: 'recentAudioEnd',
    title: 'end of recent audio',
    summary: 'The last reply message: an empty body with the end (or error) header.',
    headers: {
      type: 'object',
      properties: {
        [RECENT_AUDIO_HEADERS.end]: {
          type: 'string',
          description: 'How many frames the gateway sent before this message.',
        },
        [RECENT_AUDIO_HEADERS.error]: {
          type: 'string',
          description: 'Why the request was refused (then no frames came).',
        },
        [AUDIO_HEADERS.runId]: {
          type: 'string',
          description:
            'The tap run whose frames this message ends. While a track is re-tapped two gateways may both answer: take the frames of the run whose end comes first.',
        },
      },
    },
    payload: { type: 'string', maxLength: 0 },
  };
  channels['recentAudio'] = {
    address: `${RECENT_AUDIO_PREFIX}.{callId}.{track}`,
    description: `Core NATS request with a stream of replies: the gateway serving the track sends the frames it holds of the last seconds (at most ${RECENT_AUDIO_MAX_SECONDS} s and its own bound), oldest first, each an audioFrame with the live headers, then recentAudioEnd. Subscribe to the live audio first, then ask: frames of the same Audio-Run-Id continue at the next Audio-Timestamp, so the seam has no gap and no duplicate. No gateway serves the track: NATS answers "no responders".`,
    parameters: { callId: callIdParameter, track: trackParameter },
    messages: {
      recentAudioRequest: { $ref: '#/components/messages/recentAudioRequest' },
      audioFrame: { $ref: '#/components/messages/audioFrame' },
      recentAudioEnd: { $ref: '#/components/messages/recentAudioEnd' },
    },
  };
  operations['answerRecentAudio'] = {
    action: 'receive',
    summary: 'Answered by the media-gateway serving the track.',
    channel: { $ref: '#/channels/recentAudio' },
    messages: [{ $ref: '#/channels/recentAudio/messages/recentAudioRequest' }],
    reply: {
      messages: [
        { $ref: '#/channels/recentAudio/messages/audioFrame' },
        { $ref: '#/channels/recentAudio/messages/recentAudioEnd' },
      ],
    },
  };

  const requestReply = (
    id: string,
    address: string,
    description: string,
    request: z.ZodType,
    reply: z.ZodType,
  ) => {
    messages[`${id}Request`] = {
      name: `${id}Request`,
      contentType: 'application/json',
      payload: jsonSchema(request),
    };
    messages[`${id}Reply`] = {
      name: `${id}Reply`,
      contentType: 'application/json',
      payload: jsonSchema(reply),
    };
    channels[id] = {
      address,
      description,
      messages: {
        [`${id}Request`]: { $ref: `#/components/messages/${id}Request` },
        [`${id}Reply`]: { $ref: `#/components/messages/${id}Reply` },
      },
    };
    operations[id] = {
      action: 'receive',
      summary: 'Answered by media-gateway.',
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}Request` }],
      reply: { messages: [{ $ref: `#/channels/${id}/messages/${id}Reply` }] },
    };
  };
  requestReply(
    'mediaAllocate',
    MEDIA_ALLOCATE_SUBJECT,
    `Request/reply in queue group "${MEDIA_GATEWAY_QUEUE}": one gateway reserves a UDP port for one track.`,
    mediaAllocateRequestSchema,
    mediaAllocateReplySchema,
  );
  requestReply(
    'mediaRelease',
    MEDIA_RELEASE_SUBJECT,
    'Request/reply to every gateway (no queue group): only the gateway that owns the allocation answers.',
    mediaReleaseRequestSchema,
    mediaReleaseReplySchema,
  );

  messages['gatewayHeartbeat'] = {
    name: 'gatewayHeartbeat',
    title: 'gateway heartbeat',
    contentType: 'application/json',
    payload: jsonSchema(gatewayHeartbeatSchema),
  };
  channels['mediaHeartbeat'] = {
    address: MEDIA_HEARTBEAT_SUBJECT,
    description:
      'Core NATS: every media-gateway instance announces itself each intervalMs. A gateway silent for a few intervals, or back under a new bootId, has lost its allocations; ari-ingest then taps the affected tracks again on a live gateway.',
    messages: { gatewayHeartbeat: { $ref: '#/components/messages/gatewayHeartbeat' } },
  };
  operations['publishMediaHeartbeat'] = {
    action: 'send',
    summary: 'Published by media-gateway.',
    channel: { $ref: '#/channels/mediaHeartbeat' },
  };

  messages['gatewayProbe'] = {
    name: 'gatewayProbe',
    title: 'gateway probe',
    summary: 'An empty request, answered with an empty reply.',
    payload: { type: 'string', maxLength: 0 },
  };
  channels['mediaProbe'] = {
    address: `${MEDIA_PROBE_PREFIX}.{bootId}`,
    description:
      'Core NATS request/reply: each media-gateway process answers on its own boot id. A request that finds no responders proves the process gone (its subscription went with its connection); one that times out only says it is slow.',
    parameters: {
      bootId: { description: 'The bootId of the gateway heartbeat.' },
    },
    messages: { gatewayProbe: { $ref: '#/components/messages/gatewayProbe' } },
  };
  operations['answerMediaProbe'] = {
    action: 'receive',
    summary: 'Answered by every media-gateway process on its own subject.',
    channel: { $ref: '#/channels/mediaProbe' },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Audio Streaming Bridge',
      version: `${CONTRACTS_VERSION}.${SCHEMA_VERSION}`,
      description:
        'Subjects and payloads exchanged over NATS by the bridge services and its consumers. Generated from libs/contracts; do not edit by hand (npx nx run contracts:asyncapi).',
    },
    defaultContentType: 'application/json',
    servers: {
      nats: { host: 'localhost:4222', protocol: 'nats', description: 'NATS 2.9+ with JetStream.' },
    },
    channels,
    operations,
    components: { messages },
  };
}
