import { AUDIO_TRACKS, AudioTrack, StreamStats } from '@asb/contracts';
import type { StreamHealthUpdate } from './stats-records.repository';

/** Kept samples waiting for the database, at most (about a minute of 2,000 calls at 1 Hz). */
export const MAX_PENDING_SAMPLES = 250_000;
/**
 * A stream's row is rewritten at most this often (sooner when it stalls or recovers). Its
 * counters are totals, so nothing is lost in between, and it spares the database four fifths of
 * the updates of 4,000 streams at 1 Hz; live values reach the dashboard over NATS anyway.
 */
export const STREAM_ROW_REFRESH_MS = 5000;

interface StreamMemory {
  lastKeptAtMs?: number;
  stalled: boolean;
  lastSeenAtMs: number;
  /** When the stream's row was last taken for writing, and its stalled flag then. */
  rowTakenAtMs?: number;
  rowStalled?: boolean;
}

export interface TakenHealth {
  updates: StreamHealthUpdate[];
  samples: StreamStats[];
}

const keyOf = (sample: StreamStats) => `${sample.callId}/${sample.track}`;

/**
 * Collects stats samples between two database writes: the latest state of every stream, and the
 * samples kept by downsampling (one per stream per interval, plus each change of the stalled
 * flag, so every stall shows in the history). Memory is bounded by the number of live streams
 * and MAX_PENDING_SAMPLES.
 */
export class StreamHealthAccumulator {
  private readonly streams = new Map<string, StreamMemory>();
  private dirty = new Map<string, StreamHealthUpdate>();
  private pending: StreamStats[] = [];
  /** Kept samples dropped because the database was away too long. */
  dropped = 0;

  constructor(private readonly sampleIntervalMs: number) {}

  get pendingSamples(): number {
    return this.pending.length;
  }

  add(sample: StreamStats, nowMs = Date.now()): void {
    const key = keyOf(sample);
    const sampledAtMs = Date.parse(sample.sampledAt);
    const memory = this.streams.get(key) ?? { stalled: false, lastSeenAtMs: nowMs };
    const wentStalled = sample.stalled && !memory.stalled;
    // A tenth of the interval is forgiven: samples come on a timer that jitters, and a 1 Hz
    // stream kept at 1000 ms would otherwise lose every sample that came a little early.
    const keep =
      memory.lastKeptAtMs === undefined ||
      sampledAtMs - memory.lastKeptAtMs >= this.sampleIntervalMs * 0.9 ||
      sample.stalled !== memory.stalled;
    if (keep) {
      memory.lastKeptAtMs = sampledAtMs;
      this.pushPending([sample]);
    }
    memory.stalled = sample.stalled;
    memory.lastSeenAtMs = nowMs;
    this.streams.set(key, memory);

    this.merge(key, {
      latest: sample,
      samples: 1,
      stalls: wentStalled ? 1 : 0,
      maxJitterMs: sample.jitterMs,
    });
  }

  /**
   * The kept samples collected since the last take, and the stream rows due for rewriting (all
   * of them with `everything`, when stopping).
   */
  take(nowMs = Date.now(), everything = false): TakenHealth {
    const updates: StreamHealthUpdate[] = [];
    for (const [key, update] of this.dirty) {
      const memory = this.streams.get(key);
      const due =
        everything ||
        memory?.rowTakenAtMs === undefined ||
        memory.rowStalled !== update.latest.stalled ||
        nowMs - memory.rowTakenAtMs >= STREAM_ROW_REFRESH_MS;
      if (!due) continue;
      updates.push(update);
      this.dirty.delete(key);
      if (memory) {
        memory.rowTakenAtMs = nowMs;
        memory.rowStalled = update.latest.stalled;
      }
    }
    const taken = { updates, samples: this.pending };
    this.pending = [];
    return taken;
  }

  /** Puts back what a failed write took, merged with what arrived meanwhile; those rows are due at once. */
  restore(taken: TakenHealth): void {
    for (const update of taken.updates) {
      const key = keyOf(update.latest);
      const memory = this.streams.get(key);
      if (memory) memory.rowTakenAtMs = undefined;
      this.merge(key, update);
    }
    const newer = this.pending;
    this.pending = [];
    this.pushPending(taken.samples);
    this.pushPending(newer);
  }

  /** Makes the rows of a call's streams due at the next take: its call ended, their totals are final. */
  expedite(callId: string): void {
    for (const track of AUDIO_TRACKS) {
      const memory = this.streams.get(`${callId}/${track}`);
      if (memory) memory.rowTakenAtMs = undefined;
    }
  }

  /**
   * The stream's row was marked stalled for want of samples: the next sample that says otherwise
   * rewrites it at once.
   */
  markedStalled(callId: string, track: AudioTrack): void {
    const memory = this.streams.get(`${callId}/${track}`);
    if (memory) memory.rowStalled = true;
  }

  /** Forgets streams that sent nothing for `idleMs` (they ended). */
  forgetIdle(nowMs: number, idleMs: number): void {
    for (const [key, memory] of this.streams) {
      if (nowMs - memory.lastSeenAtMs > idleMs) this.streams.delete(key);
    }
  }

  private merge(key: string, update: StreamHealthUpdate): void {
    const current = this.dirty.get(key);
    if (!current) {
      this.dirty.set(key, { ...update });
      return;
    }
    const newer = Date.parse(update.latest.sampledAt) >= Date.parse(current.latest.sampledAt);
    current.latest = newer ? update.latest : current.latest;
    current.samples += update.samples;
    current.stalls += update.stalls;
    current.maxJitterMs = Math.max(current.maxJitterMs, update.maxJitterMs);
  }

  private pushPending(samples: StreamStats[]): void {
    for (const sample of samples) this.pending.push(sample);
    const excess = this.pending.length - MAX_PENDING_SAMPLES;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.dropped += excess;
    }
  }
}
