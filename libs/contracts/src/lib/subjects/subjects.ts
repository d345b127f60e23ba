import { assertCallId, isValidCallId } from '../ids/call-id';
import { ContractViolation } from '../contract-violation.error';
import {
  AUDIO_PREFIX,
  AUDIO_TRACKS,
  AudioTrack,
  CALL_EVENT_TYPES,
  CALL_EVENTS_PREFIX,
  CallEventType,
  MEDIA_PROBE_PREFIX,
  RECENT_AUDIO_PREFIX,
  STATS_PREFIX,
  TRANSCRIPT_PREFIX,
} from './subject-names';

export interface CallEventSubject {
  callId: string;
  event: CallEventType;
}

export interface TrackSubject {
  callId: string;
  track: AudioTrack;
}

function assertMember<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ContractViolation('invalid_subject', `unknown ${what} ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Splits `<prefix>.<callId>.<last>` and checks the prefix and the callId. */
function splitCallSubject(subject: string, prefix: string): [callId: string, last: string] {
  const expectedDots = prefix.split('.').length + 1;
  const tokens = subject.split('.');
  if (!subject.startsWith(`${prefix}.`) || tokens.length !== expectedDots + 1) {
    throw new ContractViolation(
      'invalid_subject',
      `not a ${prefix}.<callId>.<x> subject: ${subject}`,
    );
  }
  const callId = tokens[tokens.length - 2];
  if (!isValidCallId(callId)) {
    throw new ContractViolation('invalid_subject', `invalid callId in subject: ${subject}`);
  }
  return [callId, tokens[tokens.length - 1]];
}

export function callEventSubject(callId: string, event: CallEventType): string {
  assertCallId(callId);
  assertMember(event, CALL_EVENT_TYPES, 'call event');
  return `${CALL_EVENTS_PREFIX}.${callId}.${event}`;
}

export function parseCallEventSubject(subject: string): CallEventSubject {
  const [callId, event] = splitCallSubject(subject, CALL_EVENTS_PREFIX);
  return { callId, event: assertMember(event, CALL_EVENT_TYPES, 'call event') };
}

function trackSubject(prefix: string, callId: string, track: AudioTrack): string {
  assertCallId(callId);
  assertMember(track, AUDIO_TRACKS, 'track');
  return `${prefix}.${callId}.${track}`;
}

function parseTrackSubject(subject: string, prefix: string): TrackSubject {
  const [callId, track] = splitCallSubject(subject, prefix);
  return { callId, track: assertMember(track, AUDIO_TRACKS, 'track') };
}

export const audioSubject = (callId: string, track: AudioTrack): string =>
  trackSubject(AUDIO_PREFIX, callId, track);
export const parseAudioSubject = (subject: string): TrackSubject =>
  parseTrackSubject(subject, AUDIO_PREFIX);

/** Every track of one call: what an AI consumer subscribes to after `tap_started`. */
export function callAudioWildcard(callId: string): string {
  return `${AUDIO_PREFIX}.${assertCallId(callId)}.>`;
}

export const statsSubject = (callId: string, track: AudioTrack): string =>
  trackSubject(STATS_PREFIX, callId, track);
export const parseStatsSubject = (subject: string): TrackSubject =>
  parseTrackSubject(subject, STATS_PREFIX);

export const transcriptSubject = (callId: string, track: AudioTrack): string =>
  trackSubject(TRANSCRIPT_PREFIX, callId, track);
export const parseTranscriptSubject = (subject: string): TrackSubject =>
  parseTrackSubject(subject, TRANSCRIPT_PREFIX);

export const recentAudioSubject = (callId: string, track: AudioTrack): string =>
  trackSubject(RECENT_AUDIO_PREFIX, callId, track);
export const parseRecentAudioSubject = (subject: string): TrackSubject =>
  parseTrackSubject(subject, RECENT_AUDIO_PREFIX);

/**
 * The subject one gateway process answers on: NATS says "no responders" at once when that
 * process is gone, where a silent heartbeat alone cannot tell a dead gateway from a busy one.
 */
export function gatewayProbeSubject(bootId: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(bootId)) {
    throw new ContractViolation(
      'invalid_subject',
      `invalid gateway boot id ${JSON.stringify(bootId)}`,
    );
  }
  return `${MEDIA_PROBE_PREFIX}.${bootId}`;
}
