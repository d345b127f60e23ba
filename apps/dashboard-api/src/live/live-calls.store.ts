import type {
  AudioTrack,
  CallEvent,
  EndedCall,
  LiveCall,
  LiveCounts,
  LiveTrack,
  StreamHealthUpdate,
  StreamStats,
  VicidialMetadata,
} from '@asb/contracts';
import { ACTIVITY_SLOT_CODES } from '@asb/contracts';
import {
  classifyStreamHealth,
  HealthThresholds,
  intervalLossPercent,
} from './classify-stream-health.util';

export interface LiveChangeListener {
  callChanged(kind: CallChangeKind, call: LiveCall): void;
  callEnded(ended: EndedCall): void;
  streamChanged(update: StreamHealthUpdate): void;
}

export type CallChangeKind = 'started' | 'answered' | 'updated';

export interface LiveStoreOptions extends HealthThresholds {
  /** A call with no event and no sample for this long is presumed gone (its end was never seen). */
  idleMs: number;
  /** A tapped stream with no sample for this long is stalled (its gateway may be dead). */
  stallAfterMs: number;
}

/** Events that arrive after a call's end (late samples, egress stops) must not bring it back. */
const ENDED_MEMORY_MS = 15 * 60_000;

interface Entry {
  call: LiveCall;
  lastSeenMs: number;
  /** When each tapped track last showed life: its tap start, then its latest sample. */
  trackSeenMs: Partial<Record<AudioTrack, number>>;
}

type Parties = {
  callerNumber?: string;
  callerName?: string;
  calleeNumber?: string;
  vicidial?: VicidialMetadata;
};

function emptyTrack(track: AudioTrack, tap: LiveTrack['tap']): LiveTrack {
  return {
    track,
    tap,
    health: 'waiting',
    codec: null,
    sampleRate: null,
    levelDbfs: null,
    lossPercent: null,
    jitterMs: null,
    packets: 0,
    lost: 0,
    sampledAt: null,
    speaking: null,
  };
}

/** Slots of the last half second: enough to show who is talking without flicker. */
const SPEAKING_SLOTS = 5;

/** Whether the sample heard speech lately; null when the gateway does not analyse audio. */
function speakingIn(stats: StreamStats): boolean | null {
  if (!stats.audio) return null;
  const slots = stats.audio.activity?.slots ?? '';
  return slots.slice(-SPEAKING_SLOTS).includes(ACTIVITY_SLOT_CODES.speech);
}

/**
 * This replica's picture of the calls in progress, built from the call events and stream samples
 * on NATS alone, so the live view works (and is as fresh as NATS) without call-logger or the
 * database. Listeners hear of every change; the realtime layer decides how often to pass it on.
 */
export class LiveCallsStore {
  private readonly calls = new Map<string, Entry>();
  private readonly endedAt = new Map<string, number>();
  private readonly listeners = new Set<LiveChangeListener>();

  constructor(private readonly options: LiveStoreOptions) {}

  subscribe(listener: LiveChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.calls.size;
  }

  get(callId: string): LiveCall | undefined {
    return this.calls.get(callId)?.call;
  }

  snapshot(): LiveCall[] {
    return [...this.calls.values()].map((entry) => entry.call);
  }

  applyEvent(event: CallEvent, nowMs = Date.now()): void {
    if (this.endedAt.has(event.callId)) return;
    if (event.event === 'ended') {
      this.end(
        event.callId,
        {
          callId: event.callId,
          // A reconciled end was found, not seen: its time is when it was found.
          endedAt: event.reconciled ? null : event.occurredAt,
          cause: event.cause,
          causeText: event.causeText,
        },
        nowMs,
      );
      return;
    }
    if (event.event === 'egress_started' || event.event === 'egress_stopped') {
      const entry = this.calls.get(event.callId);
      if (entry) entry.lastSeenMs = nowMs;
      return;
    }
    // A talk summary comes after the end: if the end was missed, it is no news of a live call.
    if (event.event === 'talk_summary') return;
    if (event.event === 'audio_verdict') {
      const entry = this.calls.get(event.callId);
      if (!entry) return;
      entry.lastSeenMs = nowMs;
      const { call } = entry;
      call.audioVerdicts = call.audioVerdicts.filter(
        (standing) => standing.verdict !== event.verdict || standing.track !== event.track,
      );
      if (event.state === 'raised') {
        const { verdict, track, since, detail } = event;
        call.audioVerdicts.push({ verdict, track, since, detail });
      }
      for (const listener of this.listeners) listener.callChanged('updated', call);
      return;
    }
    // VICIdial's log speaks of calls that ended (or a live one, rarely): never one to create.
    if (event.event === 'disposition') {
      const entry = this.calls.get(event.callId);
      if (!entry) return;
      entry.lastSeenMs = nowMs;
      this.mergeParties(entry.call, event);
      for (const listener of this.listeners) listener.callChanged('updated', entry.call);
      return;
    }
    const existing = this.calls.get(event.callId);
    const entry = existing ?? this.create(event, nowMs);
    entry.lastSeenMs = nowMs;
    const { call } = entry;
    let kind: CallChangeKind = existing ? 'updated' : 'started';
    switch (event.event) {
      case 'started':
        call.startedAt = event.occurredAt;
        call.direction = event.direction;
        this.mergeParties(call, event);
        kind = 'started';
        break;
      case 'answered':
        call.state = 'answered';
        call.answeredAt = event.occurredAt;
        this.mergeParties(call, event);
        if (existing) kind = 'answered';
        break;
      case 'updated':
        this.mergeParties(call, event);
        break;
      case 'tap_started':
        entry.trackSeenMs[event.track] = nowMs;
        call.tracks[event.track] = {
          ...emptyTrack(event.track, 'tapped'),
          codec: event.codec,
          sampleRate: event.sampleRate,
        };
        break;
      case 'tap_stopped':
      case 'tap_failed':
        call.tracks[event.track] = {
          ...(call.tracks[event.track] ?? emptyTrack(event.track, 'tapped')),
          tap: event.event === 'tap_stopped' ? 'stopped' : 'failed',
        };
        break;
    }
    for (const listener of this.listeners) listener.callChanged(kind, call);
  }

  applyStats(stats: StreamStats, nowMs = Date.now()): void {
    const entry = this.calls.get(stats.callId);
    // Samples of calls we do not know (already ended, or older than the replay) are not news.
    if (!entry) return;
    entry.lastSeenMs = nowMs;
    entry.trackSeenMs[stats.track] = nowMs;
    const previous = entry.call.tracks[stats.track];
    const lossPercent = intervalLossPercent(previous, stats);
    const track: LiveTrack = {
      ...(previous ?? emptyTrack(stats.track, 'tapped')),
      health: classifyStreamHealth(stats, lossPercent, this.options),
      codec: stats.codec,
      sampleRate: stats.sampleRate,
      levelDbfs: stats.levelDbfs,
      lossPercent,
      jitterMs: Math.round(stats.jitterMs * 10) / 10,
      packets: stats.packets,
      lost: stats.lost,
      sampledAt: stats.sampledAt,
      speaking: speakingIn(stats),
    };
    entry.call.tracks[stats.track] = track;
    this.announce(stats.callId, track);
  }

  /**
   * Marks stalled the tapped streams whose samples stopped for longer than `stallAfterMs`: only
   * a live gateway says a stream stalled, a dead one falls silent. Returns how many it marked.
   */
  markSilentStalled(nowMs = Date.now()): number {
    let marked = 0;
    for (const { call, trackSeenMs } of this.calls.values()) {
      for (const track of Object.values(call.tracks)) {
        if (track.tap !== 'tapped' || track.health === 'stalled') continue;
        const seenMs = trackSeenMs[track.track];
        if (seenMs === undefined || nowMs - seenMs <= this.options.stallAfterMs) continue;
        const stalled: LiveTrack = { ...track, health: 'stalled' };
        call.tracks[track.track] = stalled;
        marked += 1;
        this.announce(call.callId, stalled);
      }
    }
    return marked;
  }

  private announce(callId: string, track: LiveTrack): void {
    const update: StreamHealthUpdate = {
      callId,
      track: track.track,
      health: track.health,
      levelDbfs: track.levelDbfs,
      lossPercent: track.lossPercent,
      jitterMs: track.jitterMs,
      sampledAt: track.sampledAt,
      speaking: track.speaking,
    };
    for (const listener of this.listeners) listener.streamChanged(update);
  }

  counts(): LiveCounts {
    const counts: LiveCounts = {
      active: this.calls.size,
      ringing: 0,
      answered: 0,
      streams: { waiting: 0, healthy: 0, degraded: 0, stalled: 0 },
    };
    for (const { call } of this.calls.values()) {
      counts[call.state] += 1;
      for (const track of Object.values(call.tracks)) {
        if (track.tap === 'tapped') counts.streams[track.health] += 1;
      }
    }
    return counts;
  }

  /** Drops calls that went silent for too long and forgets old ends; returns how many calls went. */
  sweep(nowMs = Date.now()): number {
    let dropped = 0;
    for (const [callId, entry] of this.calls) {
      if (nowMs - entry.lastSeenMs < this.options.idleMs) continue;
      dropped += 1;
      this.end(
        callId,
        {
          callId,
          endedAt: null,
          cause: 0,
          causeText: 'no news of the call (its end was never seen)',
        },
        nowMs,
      );
    }
    for (const [callId, at] of this.endedAt) {
      if (nowMs - at > ENDED_MEMORY_MS) this.endedAt.delete(callId);
    }
    return dropped;
  }

  /**
   * Drops the calls that no ari-ingest follows (`followed`: the call ids in its registry), once
   * they are older than `graceMs`: a replay brings back calls whose end no instance will ever
   * announce (a previous run's, another app's). A dropped call is not remembered as ended, so
   * news of it brings it back. Returns how many calls went.
   */
  settle(followed: ReadonlySet<string>, graceMs: number, nowMs = Date.now()): number {
    let dropped = 0;
    for (const [callId, entry] of this.calls) {
      if (followed.has(callId) || nowMs - Date.parse(entry.call.startedAt) < graceMs) continue;
      dropped += 1;
      this.calls.delete(callId);
      const ended: EndedCall = {
        callId,
        endedAt: null,
        cause: 0,
        causeText: 'no ari-ingest follows the call (its end was not seen)',
      };
      for (const listener of this.listeners) listener.callEnded(ended);
    }
    return dropped;
  }

  private create(
    event: Exclude<CallEvent, { event: 'ended' | 'talk_summary' | 'audio_verdict' }>,
    nowMs: number,
  ): Entry {
    const entry: Entry = {
      lastSeenMs: nowMs,
      trackSeenMs: {},
      call: {
        callId: event.callId,
        server: event.server,
        channelName: event.channelName,
        direction: 'unknown',
        state: event.event === 'started' ? 'ringing' : 'answered',
        startedAt: event.occurredAt,
        answeredAt: null,
        callerNumber: null,
        callerName: null,
        calleeNumber: null,
        vicidial: null,
        tracks: {},
        audioVerdicts: [],
      },
    };
    this.calls.set(event.callId, entry);
    return entry;
  }

  private mergeParties(call: LiveCall, parties: Parties): void {
    call.callerNumber = parties.callerNumber ?? call.callerNumber;
    call.callerName = parties.callerName ?? call.callerName;
    call.calleeNumber = parties.calleeNumber ?? call.calleeNumber;
    if (parties.vicidial) call.vicidial = { ...call.vicidial, ...parties.vicidial };
  }

  private end(callId: string, ended: EndedCall, nowMs: number): void {
    this.endedAt.set(callId, nowMs);
    if (!this.calls.delete(callId)) return;
    for (const listener of this.listeners) listener.callEnded(ended);
  }
}
