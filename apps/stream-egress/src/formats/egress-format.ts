import type { AudioFrame, AudioTrack } from '@asb/contracts';
import type { KeyPress, LiveCall } from '../calls/live-call';
import type { EgressFormatName } from './egress-format-names';

/** One WebSocket message: text (JSON) or binary. */
export type WireMessage = string | Buffer;

/** A piece of audio ready to go out, queued until the backend can take it. */
export interface MediaUnit {
  /** Twilio's media track (`inbound` = the customer); jambonz has one stream and ignores it. */
  track: 'inbound' | 'outbound';
  /** u-law bytes (twilio) or PCM16LE (jambonz). */
  payload: Buffer;
  /** Milliseconds since the stream started, at the unit's first sample. */
  timestampMs: number;
  /** performance.now() when the frame arrived from NATS, for the send latency. */
  receivedAt: number;
}

/**
 * The message format of one stream: what opens it, how audio frames become media messages, what
 * closes it. A format instance belongs to one stream and keeps its state (sequence numbers,
 * resamplers, track alignment); `greeting()` starts a new connection's counters.
 */
export interface EgressFormat {
  readonly name: EgressFormatName;
  /** WebSocket subprotocol to ask a backend for (jambonz: `audio.jambonz.org`). */
  readonly subprotocol: string | undefined;
  /** Tracks of the call the stream carries (announced in egress_started). */
  readonly tracks: readonly AudioTrack[];
  /** Whether a call tapped with these tracks has audio for this stream. */
  hasAudio(taps: ReadonlySet<AudioTrack>): boolean;
  /** The tracks tapped now (a stereo stream waits only for tracks that are tapped). */
  tapsChanged(taps: ReadonlySet<AudioTrack>): void;
  /** First messages of every connection, before the call may be known (twilio: `connected`). */
  greeting(): WireMessage[];
  /** Messages that start the stream of `call` on the connection. */
  start(call: LiveCall): WireMessage[];
  /** Turns a frame into media units (in order per track); `emit` is called zero or more times. */
  accept(
    track: AudioTrack,
    frame: AudioFrame,
    receivedAt: number,
    emit: (unit: MediaUnit) => void,
  ): void;
  /** The message of a unit on the current connection (numbers it). */
  serialize(unit: MediaUnit): WireMessage;
  /**
   * The message telling of a key pressed on the call (twilio `dtmf`, jambonz's passDtmf message).
   * A masked press (no digit) is the same message without the key and with `masked: true`.
   */
  keyPress(press: KeyPress): WireMessage;
  /** Messages that end the stream (twilio: `stop`). */
  stop(call: LiveCall): WireMessage[];
  /** A reply to a message the backend sent, if the format has one (twilio: `mark`). */
  answer(data: Buffer, isBinary: boolean): WireMessage | undefined;
}
