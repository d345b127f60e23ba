import { z } from 'zod';
import {
  callIdSchema,
  counterSchema,
  isoTimestampSchema,
  phoneNumberSchema,
  sampleRateSchema,
  schemaVersionSchema,
  shortTextSchema,
  sourceCodecSchema,
  trackSchema,
} from './common.schema';
import { suspectFormatSchema } from './stream-stats.schema';

/** What VICIdial's caller-id call code and (optionally) its database tell about a call. */
export const vicidialMetadataSchema = z.object({
  /** The raw 20-character caller-id name, e.g. `V1124150300000012345`. */
  callCode: z.string().max(64),
  /** The type letter: `V` auto-dial, `M` manual dial, `Y` inbound, ... */
  callType: z.string().max(8).optional(),
  leadId: z.number().int().min(0).optional(),
  /** The date-time digits of the call code, as VICIdial wrote them (no year). */
  codeTime: z.string().max(16).optional(),
  /** The VICIdial campaign (vicidial_campaigns.campaign_id); inbound calls: their campaign's. */
  campaign: shortTextSchema.optional(),
  campaignName: shortTextSchema.optional(),
  /** Inbound and closer calls: the in-group (vicidial_inbound_groups.group_id). */
  inGroup: shortTextSchema.optional(),
  inGroupName: shortTextSchema.optional(),
  /** The lead's list (vicidial_list.list_id). */
  listId: z.number().int().min(0).optional(),
  /** The agent's user (vicidial_users.user). */
  agent: shortTextSchema.optional(),
  agentName: shortTextSchema.optional(),
  /** The agent's phone as VICIdial names it, e.g. `SIP/1001`. */
  agentPhone: shortTextSchema.optional(),
  /** The agent's conference room, e.g. `9600051`. */
  conference: shortTextSchema.optional(),
  /** The call's status in VICIdial's log: the agent's disposition once given (`SALE`, `NI`, ...). */
  status: shortTextSchema.optional(),
  /** Who or what ended the call, as VICIdial logs it (`CALLER`, `AGENT`, `ABANDON`, ...). */
  termReason: shortTextSchema.optional(),
});
export type VicidialMetadata = z.infer<typeof vicidialMetadataSchema>;

export const callDirectionSchema = z.enum(['inbound', 'outbound', 'unknown']);

/**
 * A replayed call (the `replay` tool): its events and frames are copies of a recorded call's,
 * under a new callId. call-logger never records one, the dashboard never lists one as live.
 */
export const replayMarkSchema = z.object({
  /** The recorded call it copies. */
  of: callIdSchema,
  /** One run of the replay tool; every call it plays carries the same id. */
  session: z.uuid(),
});
export type ReplayMark = z.infer<typeof replayMarkSchema>;

const callEventBase = z.object({
  schemaVersion: schemaVersionSchema,
  /** Unique per fact; consumers de-duplicate on it. */
  eventId: z.uuid(),
  occurredAt: isoTimestampSchema,
  callId: callIdSchema,
  /** The configured name of the Asterisk server the call runs on. */
  server: z.string().min(1).max(40),
  /** Asterisk's own `asterisk_id` (changes when that Asterisk restarts). */
  asteriskId: z.string().max(64).optional(),
  /** The uniqueid of the tapped channel, e.g. `1732451234.56`. */
  channelId: z.string().min(1).max(64),
  channelName: shortTextSchema,
  /** Only on replayed calls; a live call never has it. */
  replay: replayMarkSchema.optional(),
});

const callPartiesSchema = z.object({
  /**
   * The number calling: the customer's on an incoming call, the caller id a dialled call presents.
   */
  callerNumber: phoneNumberSchema.optional(),
  callerName: shortTextSchema.optional(),
  /**
   * The number dialled: the customer's on a dialled call (without VICIdial's dial prefix), the
   * number called (the DID) on an incoming one. A dialled call's `started` has none yet.
   */
  calleeNumber: phoneNumberSchema.optional(),
  vicidial: vicidialMetadataSchema.optional(),
  /**
   * The customer conversation this call is a leg of: the callId of its first leg, the call's own
   * id when it is the first or only one. Legs are linked by the lead id of their VICIdial call
   * codes while one of them is live: a transfer to an in-group on another server arrives there
   * as a new channel, a 3-way or consultative transfer adds one. A transfer or park on the same
   * server keeps the customer's channel, so the call (and its taps) simply go on.
   */
  conversationId: callIdSchema.optional(),
});

export const callStartedSchema = callEventBase.extend({
  event: z.literal('started'),
  direction: callDirectionSchema,
  /** Asterisk channel state when the call was seen (`Down`, `Ring`, `Up`, ...). */
  channelState: z.string().max(32),
  context: shortTextSchema.optional(),
  exten: shortTextSchema.optional(),
  ...callPartiesSchema.shape,
});

export const callAnsweredSchema = callEventBase.extend({
  event: z.literal('answered'),
  ...callPartiesSchema.shape,
});

export const callUpdatedSchema = callEventBase.extend({
  event: z.literal('updated'),
  ...callPartiesSchema.shape,
});

export const gatewayEndpointSchema = z.object({
  gatewayId: z.string().min(1).max(64),
  host: z.string().min(1).max(64),
  port: z.number().int().min(1).max(65535),
  /** The gateway process (its heartbeat's bootId); absent in events of older versions. */
  bootId: z.uuid().optional(),
});

/** How Asterisk sends a tap's audio to the gateways: RTP over UDP, or AudioSocket over TCP. */
export const TAP_TRANSPORTS = ['rtp', 'audiosocket'] as const;
export const tapTransportSchema = z.enum(TAP_TRANSPORTS);
export type TapTransport = z.infer<typeof tapTransportSchema>;

/**
 * An AudioSocket tap: Asterisk connects to `address` (the gateways' TCP Service) and names the
 * tap by `uuid`; whichever gateway pod accepts the connection serves it, and its stats samples
 * carry that pod's gatewayId.
 */
export const audioSocketEndpointSchema = z.object({
  uuid: z.uuid(),
  /** `host:port` as given to Asterisk's externalMedia (a host name or an address). */
  address: z.string().min(3).max(260),
});

export const tapStartedSchema = callEventBase
  .extend({
    event: z.literal('tap_started'),
    track: trackSchema,
    codec: sourceCodecSchema,
    /** Rate of the PCM16LE frames on `audio.v1.<callId>.<track>`. */
    sampleRate: sampleRateSchema,
    /** Absent in events of versions before AudioSocket: those taps are RTP. */
    transport: tapTransportSchema.optional(),
    /** RTP: the gateway and port that an allocation gave the track. Absent for AudioSocket. */
    gateway: gatewayEndpointSchema.optional(),
    /** AudioSocket: what Asterisk connected to. */
    audioSocket: audioSocketEndpointSchema.optional(),
    snoopChannelId: z.string().min(1).max(128),
    externalMediaChannelId: z.string().min(1).max(128),
    bridgeId: z.string().min(1).max(128),
  })
  .refine(
    (tap) =>
      (tap.transport ?? 'rtp') === 'rtp'
        ? tap.gateway !== undefined && tap.audioSocket === undefined
        : tap.audioSocket !== undefined && tap.gateway === undefined,
    { message: 'an RTP tap names its gateway, an AudioSocket tap its audioSocket, never both' },
  );

export const tapStoppedSchema = callEventBase.extend({
  event: z.literal('tap_stopped'),
  track: trackSchema,
  reason: z.enum(['call_ended', 'shutdown', 'policy', 'orphaned', 'gateway_lost']),
});

/**
 * A track of an answered call that the policy selects is not tapped, on purpose: the server's
 * cap on concurrent taps was reached. It is tapped later if capacity frees while the call lasts.
 */
export const notTappedSchema = callEventBase.extend({
  event: z.literal('not_tapped'),
  track: trackSchema,
  reason: z.enum(['tap_limit']),
  /** The cap in force (TAP_MAX_CONCURRENT of the server). */
  limit: counterSchema,
});

export const tapFailedSchema = callEventBase.extend({
  event: z.literal('tap_failed'),
  track: trackSchema,
  stage: z.enum(['allocate', 'snoop', 'external_media', 'bridge', 'timeout']),
  error: z.string().max(1024),
  attempts: counterSchema,
});

/** Where stream-egress sends (or serves) a call's audio; never carries credentials. */
export const egressTargetSchema = z.object({
  /** `outbound` = we connected to a backend's URL, `inbound` = an AI client connected to us. */
  direction: z.enum(['outbound', 'inbound']),
  /** The backend URL without user info or query (outbound), or the client's id (inbound). */
  target: z.string().min(1).max(512),
  /** Message format spoken on the connection. */
  format: z.enum(['twilio', 'jambonz']),
  /** Id of this egress stream (Twilio's streamSid where the format is twilio). */
  streamId: z.string().min(1).max(128),
});

export const egressStartedSchema = callEventBase.extend({
  event: z.literal('egress_started'),
  ...egressTargetSchema.shape,
  tracks: z.array(trackSchema).min(1).max(3),
});

export const egressStoppedSchema = callEventBase.extend({
  event: z.literal('egress_stopped'),
  ...egressTargetSchema.shape,
  reason: z.enum(['call_ended', 'backend_closed', 'backend_failed', 'shutdown']),
  framesSent: counterSchema,
  framesDropped: counterSchema,
  reconnects: counterSchema,
});

/**
 * What VICIdial's log says of a call after it ended: its status (the agent's disposition) and
 * term reason, in `vicidial`. It can come minutes after `ended` and change again while the agent
 * works the lead; the latest one stands. It never brings an ended call back to life.
 */
export const callDispositionSchema = callEventBase.extend({
  event: z.literal('disposition'),
  vicidial: vicidialMetadataSchema,
});

/** What is wrong with a call's audio, as judged from the gateways' analysis of its tracks. */
export const AUDIO_VERDICTS = [
  /** One of caller and agent speaks, the other has had no speech for a while: one-way audio. */
  'one_way_audio',
  /** A track's audio arrives but carries nothing (digital silence): a muted leg, a wrong tap. */
  'silent_track',
  /** A track's audio is not speech in its stream's format (byte-swapped, wrong codec or rate). */
  'suspect_format',
  /** A track's loud audio hits full scale: distorted for listeners and recognisers alike. */
  'clipping',
] as const;
export const audioVerdictSchema = z.enum(AUDIO_VERDICTS);
export type AudioVerdict = z.infer<typeof audioVerdictSchema>;

/**
 * A verdict on a call's audio was raised, or cleared because the audio is fine again. A verdict
 * is about one track (one_way_audio: the silent one); only a live, answered call gets them, and
 * `ended` clears them all without a `cleared` event of their own.
 */
export const audioVerdictEventSchema = callEventBase.extend({
  event: z.literal('audio_verdict'),
  verdict: audioVerdictSchema,
  state: z.enum(['raised', 'cleared']),
  track: trackSchema,
  /** When the condition began (raised) or ended (cleared), on the audio's capture timeline. */
  since: isoTimestampSchema,
  /** suspect_format: what the audio looked like. */
  suspectFormat: suspectFormatSchema.optional(),
  /** one_way_audio: the track that speaks. */
  speakingTrack: trackSchema.optional(),
  /** One line a supervisor can read. */
  detail: shortTextSchema,
});

/**
 * Who talked how much, from the caller and agent tracks' speech activity (100 ms slots) over the
 * time both were heard; published once, after the call's taps have reported their last audio.
 */
export const talkSummarySchema = callEventBase.extend({
  event: z.literal('talk_summary'),
  /** Seconds in which both the caller and the agent track were heard. */
  heardS: z.number().min(0),
  /** Seconds of speech on the caller track (the customer) and on the agent track. */
  customerTalkS: z.number().min(0),
  agentTalkS: z.number().min(0),
  /** Seconds in which both spoke at once. */
  overlapS: z.number().min(0),
  /** The longest stretch in which neither spoke, in seconds. */
  longestSilenceS: z.number().min(0),
});

/** The keys of a telephone keypad, as Asterisk reports them. */
export const DTMF_DIGITS = '0123456789*#ABCD';

/**
 * A key pressed on the call (ARI's ChannelDtmfReceived on the customer's channel), published only
 * where the call's DTMF setting allows it. Customers type card numbers and PINs, so the key is
 * given only where that setting is `clear`; otherwise the event says a key was pressed, and when.
 */
export const callDtmfSchema = callEventBase
  .extend({
    event: z.literal('dtmf'),
    /** Whose channel the key came from: `caller` is the customer. */
    track: trackSchema,
    /** The key, where DTMF is in the clear for the call; absent when masked. */
    digit: z
      .string()
      .length(1)
      .refine((d) => DTMF_DIGITS.includes(d), { message: `a digit is one of ${DTMF_DIGITS}` })
      .optional(),
    masked: z.boolean(),
    durationMs: counterSchema,
    /** The press's place among the call's presses on this track, from 1. */
    index: z.number().int().min(1),
  })
  .refine((press) => press.masked === (press.digit === undefined), {
    message: 'a masked press has no digit, a clear one has its digit',
  });

export const callEndedSchema = callEventBase.extend({
  event: z.literal('ended'),
  /** Q.850 cause code as Asterisk reports it (16 = normal clearing). */
  cause: z.number().int().min(0).max(255),
  causeText: shortTextSchema,
  /** True when the call vanished while ari-ingest was away and was ended by reconciliation. */
  reconciled: z.boolean().optional(),
  /**
   * With `reconciled`: the last time the call was known to be up. The end lies between this and
   * `occurredAt` (when Asterisk confirmed the channel gone); absent when nothing better is known.
   */
  lastSeenAt: isoTimestampSchema.optional(),
});

export const callEventSchema = z.discriminatedUnion('event', [
  callStartedSchema,
  callAnsweredSchema,
  callUpdatedSchema,
  tapStartedSchema,
  tapStoppedSchema,
  tapFailedSchema,
  egressStartedSchema,
  egressStoppedSchema,
  notTappedSchema,
  callEndedSchema,
  callDispositionSchema,
  audioVerdictEventSchema,
  talkSummarySchema,
  callDtmfSchema,
]);

export type CallEvent = z.infer<typeof callEventSchema>;
export type CallStarted = z.infer<typeof callStartedSchema>;
export type CallAnswered = z.infer<typeof callAnsweredSchema>;
export type CallUpdated = z.infer<typeof callUpdatedSchema>;
export type TapStarted = z.infer<typeof tapStartedSchema>;
export type TapStopped = z.infer<typeof tapStoppedSchema>;
export type TapFailed = z.infer<typeof tapFailedSchema>;
export type NotTapped = z.infer<typeof notTappedSchema>;
export type CallEnded = z.infer<typeof callEndedSchema>;
export type CallDisposition = z.infer<typeof callDispositionSchema>;
export type EgressStarted = z.infer<typeof egressStartedSchema>;
export type EgressStopped = z.infer<typeof egressStoppedSchema>;
export type GatewayEndpoint = z.infer<typeof gatewayEndpointSchema>;
export type AudioSocketEndpoint = z.infer<typeof audioSocketEndpointSchema>;
export type AudioVerdictEvent = z.infer<typeof audioVerdictEventSchema>;
export type TalkSummary = z.infer<typeof talkSummarySchema>;
export type CallDtmf = z.infer<typeof callDtmfSchema>;

/** Schema of each event type, keyed as in the subject. */
export const CALL_EVENT_SCHEMAS = {
  started: callStartedSchema,
  answered: callAnsweredSchema,
  updated: callUpdatedSchema,
  tap_started: tapStartedSchema,
  tap_stopped: tapStoppedSchema,
  tap_failed: tapFailedSchema,
  egress_started: egressStartedSchema,
  egress_stopped: egressStoppedSchema,
  not_tapped: notTappedSchema,
  ended: callEndedSchema,
  disposition: callDispositionSchema,
  audio_verdict: audioVerdictEventSchema,
  talk_summary: talkSummarySchema,
  dtmf: callDtmfSchema,
} as const;

export const CALL_EVENT_MAX_BYTES = 16 * 1024;
