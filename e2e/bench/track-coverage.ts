/**
 * Which stretches of a call's wall-clock time one track's audio covers, from the frames that
 * reached NATS, so audio lost to a fault can be measured in seconds.
 *
 * A frame carries `Audio-Sequence` (+1 per published frame of one gateway stream) and
 * `Audio-Timestamp` (its first sample's index since that stream began, jumping over lost audio).
 * One track can have several streams over its life (a re-tap after a restart begins a new one at
 * 0) and even two at once (a double tap): a frame belongs to the open stream whose sequence and
 * timestamp it continues, nearest first, or begins a new one.
 *
 * Each stream is placed on the wall clock by its anchor: the least (arrival - timestamp / rate)
 * over its frames, i.e. when its sample 0 was captured plus the smallest delivery delay seen.
 * Frames delivered late (after a NATS stall) still cover the moment they were captured; audio
 * the gateway never published covers nothing. Coverage is the union over all streams, so audio
 * that two taps both delivered counts once.
 */

/** Samples of one stream that arrived back to back, as [first, end) sample indices. */
type Run = [number, number];

interface Stream {
  lastSequence: number;
  lastTimestamp: number;
  sampleRate: number;
  /** Least (arrival ms - timestamp in ms) seen: the wall-clock time of sample 0. */
  anchorMs: number;
  runs: Run[];
}

/** A stretch of wall-clock time in ms since the epoch, [start, end). */
export type Interval = [number, number];

export class TrackCoverage {
  private readonly streams: Stream[] = [];
  frames = 0;
  /** When the latest frame arrived (ms since the epoch). */
  lastArrivalMs = 0;

  add(
    sequence: number,
    timestamp: number,
    samples: number,
    sampleRate: number,
    arrivalMs: number,
  ): void {
    this.frames += 1;
    this.lastArrivalMs = arrivalMs;
    let stream: Stream | undefined;
    for (const candidate of this.streams) {
      if (sequence <= candidate.lastSequence || timestamp <= candidate.lastTimestamp) continue;
      if (!stream || candidate.lastSequence > stream.lastSequence) stream = candidate;
    }
    const anchorMs = arrivalMs - (timestamp * 1000) / sampleRate;
    if (!stream) {
      stream = { lastSequence: sequence, lastTimestamp: timestamp, sampleRate, anchorMs, runs: [] };
      this.streams.push(stream);
    }
    stream.lastSequence = sequence;
    stream.lastTimestamp = timestamp;
    stream.anchorMs = Math.min(stream.anchorMs, anchorMs);
    const last = stream.runs[stream.runs.length - 1];
    if (last && last[1] === timestamp) last[1] = timestamp + samples;
    else stream.runs.push([timestamp, timestamp + samples]);
  }

  /** Covered wall-clock stretches, merged and in order. */
  intervals(): Interval[] {
    const all: Interval[] = this.streams.flatMap((s) =>
      s.runs.map(([first, end]): Interval => [
        s.anchorMs + (first * 1000) / s.sampleRate,
        s.anchorMs + (end * 1000) / s.sampleRate,
      ]),
    );
    all.sort((a, b) => a[0] - b[0]);
    const merged: Interval[] = [];
    // Runs of one stream that abut are split only by rounding: a millisecond bridges them.
    for (const [start, end] of all) {
      const last = merged[merged.length - 1];
      if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    return merged;
  }
}

/** The stretches of `window` that `covered` (merged, ordered) leaves out, in order. */
export function gaps(covered: Interval[], [from, to]: Interval): Interval[] {
  const out: Interval[] = [];
  let at = from;
  for (const [start, end] of covered) {
    if (end <= at) continue;
    if (start >= to) break;
    if (start > at) out.push([at, start]);
    at = end;
  }
  if (at < to) out.push([at, to]);
  return out;
}

/** How long the stretches last in all, in ms. */
export function totalMs(intervals: Interval[]): number {
  return intervals.reduce((sum, [start, end]) => sum + end - start, 0);
}
