import type { AudioTrack } from '@asb/contracts';

export interface MixerTrackReport {
  track: AudioTrack;
  channel: number;
  offsetSamples: number;
  firstTimestamp: number;
  frames: number;
  gapSamples: number;
  /** Frames that came too late to be written, or from a tap run a newer one replaced. */
  lateFrames: number;
  /** Tap runs that fed the track: more than one after a re-tap. */
  runs: number;
}

/** One frame of a track, as the mixer places it. */
export interface MixerFrame {
  /** Audio-Timestamp: the frame's first sample, counted within its tap run. */
  timestamp: number;
  samples: Int16Array;
  /** Wall-clock time of the frame's first sample (epoch ms). */
  clockMs: number;
  /** Audio-Run-Id; frames without one are taken as one run. */
  runId?: string;
}

interface TrackState extends MixerTrackReport {
  /** Timeline position of Audio-Timestamp 0 of this track. */
  anchor: number;
  /** Timeline position just after the track's latest sample. */
  end: number;
  /** Clock position of the track's latest frame, and that frame's length. */
  lastClockPosition: number;
  lastLength: number;
  stopped: boolean;
  runId?: string;
  /** Runs a newer one replaced: their frames still on the way are dropped. */
  replacedRuns: Set<string>;
}

export type PushResult = 'written' | 'late' | 'refused';

export interface TimelineMixerOptions {
  /** Audio held back waiting for the other track, at most; the memory bound of a recording. */
  capacityMs?: number;
  /** Written out in chunks of at least this much, so the disk sees few, larger writes. */
  flushMs?: number;
}

/** A jump this far back of a track's own timeline is a restarted stream, not a reordered frame. */
const RESTART_JUMP_SECONDS = 60;

/**
 * How much wider a gap in a track's timestamps may be than the time its frames' clock says passed
 * over it: the jitter of that clock (arrival times jitter; capture times hardly do).
 */
export const CLOCK_TOLERANCE_MS = 250;
/**
 * How far a track may run ahead of its frames' clock. It is not 0 because a run is anchored at
 * its first frame, whose capture time is the least certain (the gateway's estimate sharpens as
 * packets come); gaps are checked against the clock frame by frame, this bounds what many gaps
 * within tolerance could add up to.
 */
export const MAX_CLOCK_LEAD_MS = 1000;

/**
 * Lays the tracks of one call on one timeline and hands interleaved PCM16LE to a sink as soon
 * as every live track has reached a point. A track's place on the timeline is its
 * Audio-Timestamp plus an anchor fixed by the wall-clock time of its first frame, so gaps in its
 * timestamps become silence and the file lasts as long as the call. A gap is believed only as far
 * as the clock moved since the track's previous frame: timestamps that jump further (an RTP
 * sequence jump, a sender gone wrong) are closed up to what the clock allows, so silence is never
 * invented and the file never runs ahead of the call by more than MAX_CLOCK_LEAD_MS. Tracks may
 * arrive in any order and at different times; at most `capacity` samples are held, after which a
 * lagging track is given up on for that stretch (silence) and its frames that come later are
 * dropped as late.
 *
 * A frame's clock is its capture time (Audio-Captured-At) where it has one, else its arrival.
 * A re-tap is a new run whose timestamps start at 0 again: it is anchored anew at its own clock,
 * where it takes over the track (audio both runs delivered is written once), and frames of the
 * run it replaced that are still on their way are dropped.
 */
export class TimelineMixer {
  private readonly tracks = new Map<AudioTrack, TrackState>();
  private readonly capacity: number;
  private readonly flushSamples: number;
  private readonly tolerance: number;
  private readonly maxLead: number;
  private readonly pending: Int16Array;
  /** Timeline samples handed to the sink. */
  private written = 0;
  private startedAtMs?: number;

  constructor(
    readonly sampleRate: number,
    readonly channels: 1 | 2,
    private readonly sink: (interleaved: Buffer) => void,
    options: TimelineMixerOptions = {},
  ) {
    this.capacity = Math.round(((options.capacityMs ?? 2000) * sampleRate) / 1000);
    this.flushSamples = Math.round(((options.flushMs ?? 250) * sampleRate) / 1000);
    this.pending = new Int16Array(this.capacity * channels);
    this.tolerance = Math.round((CLOCK_TOLERANCE_MS * sampleRate) / 1000);
    this.maxLead = Math.round((MAX_CLOCK_LEAD_MS * sampleRate) / 1000);
  }

  /** Samples per channel on the timeline so far. */
  get durationSamples(): number {
    let end = this.written;
    for (const track of this.tracks.values()) end = Math.max(end, track.end);
    return end;
  }

  report(): MixerTrackReport[] {
    return [...this.tracks.values()].map(
      ({
        anchor: _anchor,
        end: _end,
        stopped: _stopped,
        runId: _runId,
        replacedRuns: _replaced,
        lastClockPosition: _lastClockPosition,
        lastLength: _lastLength,
        ...report
      }) => report,
    );
  }

  /** Which channel the track plays on: caller left, agent right; a mono file holds one track. */
  channelOf(track: AudioTrack): number | undefined {
    if (this.channels === 1) {
      const owner = [...this.tracks.values()][0];
      return !owner || owner.track === track ? 0 : undefined;
    }
    if (track === 'caller') return 0;
    if (track === 'agent') return 1;
    return undefined;
  }

  push(track: AudioTrack, frame: MixerFrame): PushResult {
    const { timestamp, samples, clockMs, runId } = frame;
    const state = this.trackFor(track, frame);
    if (!state) return 'refused';
    const clockPosition = this.positionAt(clockMs);
    if (runId !== state.runId) {
      if (runId !== undefined && state.replacedRuns.has(runId)) {
        state.lateFrames += 1;
        return 'late';
      }
      if (state.runId !== undefined) state.replacedRuns.add(state.runId);
      state.runId = runId;
      state.runs += 1;
      state.anchor = clockPosition - timestamp;
    }
    let position = state.anchor + timestamp;
    if (position > state.end && state.frames > 0) {
      const gap = this.believedGap(state, position - state.end, clockPosition);
      state.anchor = state.end + gap - timestamp;
      position = state.anchor + timestamp;
    } else if (this.isRestart(state, position)) {
      state.anchor = Math.max(state.end, clockPosition) - timestamp;
      position = state.anchor + timestamp;
    }
    state.lastClockPosition = clockPosition;
    state.lastLength = samples.length;
    if (state.frames > 0 && position > state.end) state.gapSamples += position - state.end;
    state.frames += 1;
    const end = position + samples.length;
    if (end <= this.written) {
      state.lateFrames += 1;
      return 'late';
    }
    const skip = Math.max(0, this.written - position);
    if (end - this.written > this.capacity) this.flushTo(end - Math.floor(this.capacity / 2));
    const channels = this.channels;
    let index = (position + skip - this.written) * channels + state.channel;
    for (let i = skip; i < samples.length; i += 1, index += channels)
      this.pending[index] = samples[i];
    state.end = Math.max(state.end, end);
    const ready = this.readyPosition();
    if (ready - this.written >= this.flushSamples) this.flushTo(ready);
    return 'written';
  }

  /** A stopped track no longer holds the others back. */
  stopTrack(track: AudioTrack): void {
    const state = this.tracks.get(track);
    if (state) state.stopped = true;
  }

  /** Hands everything still held to the sink. */
  end(): void {
    this.flushTo(this.durationSamples);
  }

  private trackFor(track: AudioTrack, frame: MixerFrame): TrackState | undefined {
    const known = this.tracks.get(track);
    if (known) return known;
    const channel = this.channelOf(track);
    if (channel === undefined) return undefined;
    const { timestamp, clockMs, runId } = frame;
    this.startedAtMs ??= clockMs;
    const start = Math.max(this.written, this.positionAt(clockMs));
    const state: TrackState = {
      track,
      channel,
      offsetSamples: start,
      firstTimestamp: timestamp,
      anchor: start - timestamp,
      end: start,
      lastClockPosition: this.positionAt(clockMs),
      lastLength: 0,
      frames: 0,
      gapSamples: 0,
      lateFrames: 0,
      runs: 1,
      stopped: false,
      runId,
      replacedRuns: new Set(),
    };
    this.tracks.set(track, state);
    return state;
  }

  private positionAt(clockMs: number): number {
    return Math.round(((clockMs - (this.startedAtMs ?? clockMs)) * this.sampleRate) / 1000);
  }

  /** A gap wider than the time that passed (beyond the tolerance for jitter). */
  /**
   * A gap in the track's timestamps as far as the clock supports it: whole while no wider than
   * the time that passed since the track's latest frame ended (give or take the tolerance) and not
   * taking the track more than MAX_CLOCK_LEAD_MS ahead of the clock; else that time, within the
   * lead.
   */
  private believedGap(state: TrackState, gap: number, clockPosition: number): number {
    const passed = clockPosition - state.lastClockPosition - state.lastLength;
    const lead = clockPosition + this.maxLead - state.end;
    if (gap <= Math.min(passed + this.tolerance, lead)) return gap;
    return Math.max(0, Math.min(passed, lead));
  }

  private isRestart(state: TrackState, position: number): boolean {
    return position < state.end - RESTART_JUMP_SECONDS * this.sampleRate;
  }

  /** The point every live track has reached. */
  private readyPosition(): number {
    let ready = Infinity;
    for (const state of this.tracks.values())
      if (!state.stopped) ready = Math.min(ready, state.end);
    return ready === Infinity ? this.durationSamples : ready;
  }

  private flushTo(target: number): void {
    const channels = this.channels;
    while (this.written < target) {
      const count = Math.min(target - this.written, this.capacity);
      this.sink(Buffer.from(this.pending.slice(0, count * channels).buffer));
      this.pending.copyWithin(0, count * channels);
      this.pending.fill(0, (this.capacity - count) * channels);
      this.written += count;
    }
  }
}
