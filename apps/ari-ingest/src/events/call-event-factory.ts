import {
  CallEvent,
  SCHEMA_VERSION,
  deterministicEventId,
  AudioTrack,
  NotTapped,
  TapFailed,
  TapStarted,
  TapStopped,
  VicidialMetadata,
} from '@asb/contracts';
import type { TalkFigures, VerdictChange } from '../audio/call-audio-judge';
import type { CallIdentity } from '../calls/call-registry';
import type { TrackedCall } from '../calls/tracked-call';

/**
 * Builds the contract's call events from what ari-ingest knows of a call. Event ids are derived
 * from the fact itself, so a fact published twice (after a restart or a retry) is one event.
 */
export class CallEventFactory {
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** `at`: when Asterisk says the fact happened; now when it is ours (taps). */
  private base(call: CallIdentity, at?: Date) {
    return {
      schemaVersion: SCHEMA_VERSION,
      occurredAt: (at ?? this.now()).toISOString(),
      callId: call.callId,
      server: call.server,
      asteriskId: call.asteriskId,
      channelId: call.channelId,
      channelName: call.channelName,
    };
  }

  private parties(call: TrackedCall) {
    return {
      callerNumber: call.callerNumber,
      callerName: call.callerName,
      calleeNumber: call.calleeNumber,
      vicidial: call.vicidial,
      conversationId: call.conversationId,
    };
  }

  started(call: TrackedCall, at?: Date): CallEvent {
    return {
      ...this.base(call, at),
      event: 'started',
      eventId: deterministicEventId(call.callId, 'started'),
      direction: call.direction,
      channelState: call.channelState,
      context: call.context,
      exten: call.exten,
      ...this.parties(call),
    };
  }

  answered(call: TrackedCall, at?: Date): CallEvent {
    return {
      ...this.base(call, at),
      event: 'answered',
      eventId: deterministicEventId(call.callId, 'answered'),
      ...this.parties(call),
    };
  }

  updated(call: TrackedCall, at?: Date): CallEvent {
    return {
      ...this.base(call, at),
      event: 'updated',
      eventId: deterministicEventId(call.callId, 'updated', call.metadataKey),
      ...this.parties(call),
    };
  }

  /** VICIdial's log entry of an ended call; one event per status and term reason it shows. */
  disposition(call: CallIdentity, vicidial: VicidialMetadata): CallEvent {
    return {
      ...this.base(call),
      event: 'disposition',
      eventId: deterministicEventId(
        call.callId,
        'disposition',
        vicidial.status ?? '',
        vicidial.termReason ?? '',
      ),
      vicidial,
    };
  }

  tapStarted(
    call: TrackedCall,
    tap: Pick<
      TapStarted,
      | 'track'
      | 'codec'
      | 'sampleRate'
      | 'transport'
      | 'gateway'
      | 'audioSocket'
      | 'snoopChannelId'
      | 'externalMediaChannelId'
      | 'bridgeId'
    >,
  ): CallEvent {
    return {
      ...this.base(call),
      event: 'tap_started',
      // Keyed by the externalMedia channel, the one resource every tap run has of its own (a run
      // that takes over a lost tap keeps its snoop and bridge).
      eventId: deterministicEventId(call.callId, 'tap_started', tap.externalMediaChannelId),
      ...tap,
    };
  }

  tapStopped(
    call: TrackedCall,
    track: AudioTrack,
    externalMediaChannelId: string,
    reason: TapStopped['reason'],
  ): CallEvent {
    return {
      ...this.base(call),
      event: 'tap_stopped',
      eventId: deterministicEventId(call.callId, 'tap_stopped', externalMediaChannelId),
      track,
      reason,
    };
  }

  tapFailed(
    call: TrackedCall,
    track: AudioTrack,
    attemptKey: string,
    failure: { stage: TapFailed['stage']; error: string; attempts: number },
  ): CallEvent {
    return {
      ...this.base(call),
      event: 'tap_failed',
      eventId: deterministicEventId(call.callId, 'tap_failed', attemptKey),
      track,
      ...failure,
      error: failure.error.slice(0, 1000),
    };
  }

  notTapped(call: TrackedCall, track: AudioTrack, reason: NotTapped['reason'], limit: number) {
    return {
      ...this.base(call),
      event: 'not_tapped',
      eventId: deterministicEventId(call.callId, 'not_tapped', track),
      track,
      reason,
      limit,
    } satisfies CallEvent;
  }

  /**
   * `reconciled`: the end was not seen but found (the channel answered 404), with the last time
   * the call was known to be up where there is one.
   */
  ended(
    call: CallIdentity,
    cause: number,
    causeText: string,
    at?: Date,
    reconciled?: { lastSeenAt?: Date },
  ): CallEvent {
    return {
      ...this.base(call, at),
      event: 'ended',
      eventId: deterministicEventId(call.callId, 'ended'),
      cause,
      causeText,
      reconciled: reconciled ? true : undefined,
      lastSeenAt: reconciled?.lastSeenAt?.toISOString(),
    };
  }

  /**
   * A key pressed on the customer's channel, with the key only when `press.digit` is given. The
   * id comes from Asterisk's time of the press and its place on the call, never from the key: a
   * hash of one of 16 keys is reversed by trying them all.
   */
  dtmf(
    call: CallIdentity,
    press: { digit?: string; durationMs: number; index: number; ariTimestamp: string },
    at?: Date,
  ): CallEvent {
    return {
      ...this.base(call, at),
      event: 'dtmf',
      eventId: deterministicEventId(call.callId, 'dtmf', press.ariTimestamp, press.index),
      track: 'caller',
      ...(press.digit === undefined ? {} : { digit: press.digit }),
      masked: press.digit === undefined,
      durationMs: press.durationMs,
      index: press.index,
    };
  }

  audioVerdict(call: CallIdentity, change: VerdictChange): CallEvent {
    const since = new Date(change.since).toISOString();
    return {
      ...this.base(call),
      event: 'audio_verdict',
      eventId: deterministicEventId(
        call.callId,
        'audio_verdict',
        change.verdict,
        change.track,
        change.state,
        since,
      ),
      verdict: change.verdict,
      state: change.state,
      track: change.track,
      since,
      suspectFormat: change.suspectFormat,
      speakingTrack: change.speakingTrack,
      detail: change.detail.slice(0, 256),
    };
  }

  talkSummary(call: CallIdentity, figures: TalkFigures): CallEvent {
    return {
      ...this.base(call),
      event: 'talk_summary',
      eventId: deterministicEventId(call.callId, 'talk_summary'),
      ...figures,
    };
  }
}
