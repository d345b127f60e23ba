import type { RecordingTrack } from '@asb/call-records';
import {
  AudioFrameMeta,
  AudioTrack,
  CallEvent,
  CallEventType,
  callIdSchema,
  deterministicEventId,
  SourceCodec,
} from '@asb/contracts';

/** A recorded call as call-logger left it: its events in stream order and its WAV file's tracks. */
export interface RecordedCall {
  callId: string;
  events: CallEvent[];
  recording: {
    sampleRate: 8000 | 16000;
    startedAt: Date;
    tracks: RecordingTrack[];
    /** The file's channels (0 = left), as read from the WAV. */
    channels: Int16Array[];
  };
}

/** Who the replayed call is: its new callId, the replay session, one new tap run per track. */
export interface ReplayIdentity {
  session: string;
  callId: string;
  runIds: Partial<Record<AudioTrack, string>>;
  /** callIds of the other calls of the same session, so conversations stay linked. */
  replayedAs: ReadonlyMap<string, string>;
}

export type ReplayItem =
  | {
      kind: 'event';
      /** Milliseconds after the call's first event, on the recorded call's own clock. */
      atMs: number;
      /** Ready to publish but for `occurredAt`, which is stamped when it goes out. */
      event: CallEvent;
    }
  | {
      kind: 'frame';
      atMs: number;
      track: AudioTrack;
      /** All headers but Audio-Captured-At, which is stamped when it goes out. */
      meta: Omit<AudioFrameMeta, 'capturedAt'>;
      /** PCM16LE, a view on the recording's samples. */
      pcm: Uint8Array;
    };

export interface ReplayPlan {
  callId: string;
  replayOf: string;
  items: ReplayItem[];
  frames: number;
  events: number;
  audioSeconds: number;
  tracks: AudioTrack[];
}

const FRAME_MS = 20;
/**
 * The original call's egress events are facts about its own streams; the replayed call gets
 * streams, and events, of its own from stream-egress.
 */
const NOT_REPLAYED: ReadonlySet<CallEventType> = new Set(['egress_started', 'egress_stopped']);

interface TrackAudio {
  track: AudioTrack;
  firstAtMs: number;
  frames: number;
  samples: Int16Array;
  start: number;
}

/** The new callId of a replay: the recorded one with a suffix, still one subject token. */
export function replayCallId(recordedCallId: string, suffix: string): string {
  return callIdSchema.parse(`${recordedCallId.slice(0, 120)}-r${suffix}`);
}

function trackAudio(call: RecordedCall, callStartMs: number): TrackAudio[] {
  const { recording } = call;
  const frameSamples = (recording.sampleRate * FRAME_MS) / 1000;
  const audio: TrackAudio[] = [];
  for (const track of recording.tracks) {
    const samples = recording.channels[track.channel];
    if (samples === undefined) continue;
    const written = track.frames * frameSamples + track.gapSamples;
    const length = Math.min(samples.length - track.offsetSamples, written);
    const frames = Math.floor(Math.max(length, 0) / frameSamples);
    if (frames === 0) continue;
    audio.push({
      track: track.track as AudioTrack,
      firstAtMs:
        recording.startedAt.getTime() -
        callStartMs +
        (track.offsetSamples * 1000) / recording.sampleRate,
      frames,
      samples,
      start: track.offsetSamples,
    });
  }
  return audio;
}

/**
 * Which recorded events are replayed, and when. A track's first tap_started and its last
 * tap_stopped stand for the whole tap (the replay plays one run per track, where the recorded
 * call may have been re-tapped); the events keep their order and spacing, except that no tap or
 * call ends before the last of its audio has been played.
 */
function replayedEvents(
  call: RecordedCall,
  callStartMs: number,
  lastFrameAtMs: number,
): Array<{ atMs: number; event: CallEvent }> {
  const lastStop = new Map<string, CallEvent>();
  for (const event of call.events)
    if (event.event === 'tap_stopped') lastStop.set(event.track, event);
  const tapped = new Set<string>();
  const chosen: Array<{ atMs: number; event: CallEvent }> = [];
  let previousAtMs = 0;
  for (const event of call.events) {
    if (NOT_REPLAYED.has(event.event)) continue;
    if (event.event === 'tap_started') {
      if (tapped.has(event.track)) continue;
      tapped.add(event.track);
    }
    if (event.event === 'tap_stopped' && lastStop.get(event.track) !== event) continue;
    let atMs = Math.max(Date.parse(event.occurredAt) - callStartMs, previousAtMs);
    if (event.event === 'tap_stopped' || event.event === 'ended') {
      atMs = Math.max(atMs, lastFrameAtMs + FRAME_MS);
    }
    chosen.push({ atMs, event });
    previousAtMs = atMs;
  }
  return chosen;
}

function asReplayed(event: CallEvent, identity: ReplayIdentity): CallEvent {
  const copy: CallEvent = {
    ...event,
    callId: identity.callId,
    eventId: deterministicEventId('replay', identity.session, event.eventId),
    replay: { of: event.callId, session: identity.session },
  };
  if ('conversationId' in copy && copy.conversationId !== undefined) {
    const linked =
      copy.conversationId === event.callId
        ? identity.callId
        : identity.replayedAs.get(copy.conversationId);
    if (linked === undefined) delete copy.conversationId;
    else copy.conversationId = linked;
  }
  return copy;
}

function codecOf(call: RecordedCall, track: AudioTrack): SourceCodec {
  const tap = call.events.find((e) => e.event === 'tap_started' && e.track === track);
  if (tap?.event === 'tap_started') return tap.codec;
  return call.recording.sampleRate === 16000 ? 'slin16' : 'slin';
}

/**
 * Turns a recorded call into what its replay publishes, in order: the call's events and one
 * 20 ms frame after another of each track, each at its time on the recorded call's clock. The
 * tracks keep their places in the recording (so they line up as they did), and every frame of a
 * track comes after the track's tap_started.
 */
export function planReplay(call: RecordedCall, identity: ReplayIdentity): ReplayPlan {
  if (call.events.length === 0) throw new Error(`${call.callId} has no recorded events`);
  const callStartMs = Date.parse(call.events[0].occurredAt);
  const audio = trackAudio(call, callStartMs);
  const tapAt = new Map<string, number>();
  for (const { atMs, event } of replayedEvents(call, callStartMs, -Infinity)) {
    if (event.event === 'tap_started') tapAt.set(event.track, atMs);
  }
  // Audio the recording has before its tap was announced (clocks of two hosts) waits for it.
  const shiftMs = Math.max(
    0,
    ...audio.map((a) => (tapAt.get(a.track) ?? a.firstAtMs) - a.firstAtMs),
  );
  const frameSamples = (call.recording.sampleRate * FRAME_MS) / 1000;
  const items: ReplayItem[] = [];
  let lastFrameAtMs = 0;
  for (const a of audio) {
    const runId = identity.runIds[a.track];
    if (runId === undefined) throw new Error(`no run id for track ${a.track}`);
    const codec = codecOf(call, a.track);
    for (let k = 0; k < a.frames; k += 1) {
      const atMs = a.firstAtMs + shiftMs + k * FRAME_MS;
      const from = a.start + k * frameSamples;
      items.push({
        kind: 'frame',
        atMs,
        track: a.track,
        meta: {
          sequence: k,
          timestamp: k * frameSamples,
          sampleRate: call.recording.sampleRate,
          codec,
          frameMs: FRAME_MS,
          runId,
          replayOf: call.callId,
        },
        pcm: new Uint8Array(a.samples.buffer, a.samples.byteOffset + from * 2, frameSamples * 2),
      });
      lastFrameAtMs = Math.max(lastFrameAtMs, atMs);
    }
  }
  const events = replayedEvents(call, callStartMs, lastFrameAtMs);
  for (const { atMs, event } of events) {
    items.push({ kind: 'event', atMs, event: asReplayed(event, identity) });
  }
  // Stable: at the same time an event (a tap_started) goes before the frames it announces.
  items.sort((a, b) => a.atMs - b.atMs || (a.kind === b.kind ? 0 : a.kind === 'event' ? -1 : 1));
  const frames = items.length - events.length;
  return {
    callId: identity.callId,
    replayOf: call.callId,
    items,
    frames,
    events: events.length,
    audioSeconds: Math.max(0, ...audio.map((a) => (a.frames * FRAME_MS) / 1000)),
    tracks: audio.map((a) => a.track),
  };
}
