import type { AudioTrack, ReplayMark, SourceCodec, VicidialMetadata } from '@asb/contracts';

/** A key pressed on the call, as its `dtmf` event tells it (the key only where it is clear). */
export interface KeyPress {
  track: AudioTrack;
  digit?: string;
  durationMs: number;
}

export interface TapInfo {
  sampleRate: 8000 | 16000;
  codec: SourceCodec;
}

/** What stream-egress knows of a call in progress, from its call events. */
export interface LiveCall {
  readonly callId: string;
  server: string;
  asteriskId?: string;
  channelId: string;
  channelName: string;
  direction: 'inbound' | 'outbound' | 'unknown';
  callerNumber?: string;
  callerName?: string;
  calleeNumber?: string;
  vicidial?: VicidialMetadata;
  /** A replayed call's mark (the replay tool): carried on to the backends and our own events. */
  replay?: ReplayMark;
  /** Tracks tapped now, with the format of their frames on audio.v1.<callId>.<track>. */
  readonly taps: Map<AudioTrack, TapInfo>;
  /** Key presses heard of since the registry caught up, and the latest (streams send each on). */
  keyPresses: number;
  lastKeyPress?: KeyPress;
  /** Date.now() of the first event seen, and of the last. */
  firstSeenAt: number;
  lastEventAt: number;
  ended: boolean;
}

export type CallChange = 'tapped' | 'untapped' | 'metadata' | 'keypress' | 'ended';

export interface CallsListener {
  /** A live call changed (only called once the registry has caught up with the event stream). */
  callChanged(call: LiveCall, change: CallChange): void;
  /** The registry caught up: every call live now, for the listener to act on. */
  resync(calls: readonly LiveCall[]): void;
}
