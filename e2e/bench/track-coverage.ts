/**
 * Which stretches of a call's wall-clock time one track's audio covers, from the frames that
 * reached NATS, so audio lost to a fault can be measured in seconds.
 *
 * A frame carries `Audio-Sequence` (+1 per published frame of one gateway stream) and
 * `Audio-Timestamp` (its first sample's index since that stream began, jumping over places the
 * gateway gave up). One track can have several streams over its life (a re-tap on a new
 * allocation begins a new one at 0) and even two at once (a double tap): a frame belongs to the
 * open stream whose sequence and timestamp it continues, nearest first, or begins a new one.
 *
 * A stream's sample time is put on the wall clock by an anchor: the least (arrival - timestamp /
 * rate) over its frames, i.e. when its sample 0 was captured plus the smallest delivery delay
 * seen. Sample time can also stop while wall time goes on: a new RTP stream into the same
 * allocation (a snoop re-created after an outage) continues the timestamps where the old one
 * stopped. So a stream is cut into segments, each with its own anchor, wherever (arrival -
 * timestamp / rate) jumps by more than JUMP_MS from one frame to the next. A backlog that NATS
 * delivers late after a stall does not fool this: it drains into frames delivered on time, which
 * stay in its segment and give the anchor, so it covers the time it was captured. Audio the
 * gateway never published covers nothing. Coverage is the union over all streams, so audio that
 * two taps both delivered counts once.
 */

/** Samples of one stream that arrived back to back, as [first, end) sample indices. */
type Run = [number, number];

/** A part of a stream whose sample time runs with wall time. */
interface Segment {
  /** Least (arrival ms - timestamp in ms) seen: the wall-clock time of sample 0. */
  anchorMs: number;
  runs: Run[];
}

interface Stream {
  lastSequence: number;
  lastTimestamp: number;
  sampleRate: number;
  lastOffsetMs: number;
  segments: Segment[];
}

/** A stretch of wall-clock time in ms since the epoch, [start, end). */
export type Interval = [number, number];

/** A change of (arrival - sample time) this large between two frames is a jump of the clock. */
const JUMP_MS = 500;

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
    const offsetMs = arrivalMs - (timestamp * 1000) / sampleRate;
    if (!stream) {
      stream = {
        lastSequence: sequence,
        lastTimestamp: timestamp,
        sampleRate,
        lastOffsetMs: offsetMs,
        segments: [],
      };
      this.streams.push(stream);
    }
    let segment = stream.segments[stream.segments.length - 1];
    if (!segment || Math.abs(offsetMs - stream.lastOffsetMs) > JUMP_MS) {
      segment = { anchorMs: offsetMs, runs: [] };
      stream.segments.push(segment);
    }
    stream.lastSequence = sequence;
    stream.lastTimestamp = timestamp;
    stream.lastOffsetMs = offsetMs;
    segment.anchorMs = Math.min(segment.anchorMs, offsetMs);
    const last = segment.runs[segment.runs.length - 1];
    if (last && last[1] === timestamp) last[1] = timestamp + samples;
    else segment.runs.push([timestamp, timestamp + samples]);
  }

  /** Covered wall-clock stretches, merged and in order. */
  intervals(): Interval[] {
    const all: Interval[] = this.streams.flatMap((stream) =>
      stream.segments.flatMap((segment) =>
        segment.runs.map(([first, end]): Interval => [
          segment.anchorMs + (first * 1000) / stream.sampleRate,
          segment.anchorMs + (end * 1000) / stream.sampleRate,
        ]),
      ),
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
