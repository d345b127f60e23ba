import type { EndedCall, LiveCall, StreamHealthUpdate } from '../live/live-call';

/**
 * What the server sends on the live namespace. `at` is the server's clock, so a dashboard can
 * correct for its own clock when it shows durations.
 */
export interface SnapshotMessage {
  at: string;
  /** False while this replica is still replaying the recent call events after its start. */
  complete: boolean;
  calls: LiveCall[];
}

/** Call changes of the last ~100 ms; each call appears once, in its most telling list. */
export interface CallsMessage {
  at: string;
  started: LiveCall[];
  answered: LiveCall[];
  updated: LiveCall[];
  ended: EndedCall[];
}

/** Stream health changes; each stream at most once per second. */
export interface HealthMessage {
  at: string;
  streams: StreamHealthUpdate[];
}

/** Metadata of one relayed audio frame; the PCM16LE payload travels beside it as binary. */
export interface AudioFrameMessage {
  callId: string;
  track: string;
  sequence: number;
  timestamp: number;
  sampleRate: number;
  frameMs: number;
}

export const SERVER_EVENTS = {
  snapshot: 'snapshot',
  calls: 'calls',
  health: 'health',
  audio: 'audio',
  listenEnded: 'listen:ended',
} as const;

export const CLIENT_EVENTS = {
  listenStart: 'listen:start',
  listenStop: 'listen:stop',
} as const;
