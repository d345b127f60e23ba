/** How far ahead of the audio clock frames are played: absorbs network jitter, adds delay. */
export const TARGET_LEAD_S = 0.12;
/** Beyond this lead the queue is cut back: the listener hears the call as it is, not late. */
export const MAX_LEAD_S = 0.4;

export interface ScheduleDecision {
  /** When to start the frame on the audio clock; undefined to drop it. */
  startAt?: number;
  /** Where the next frame of the track goes. */
  nextCursor: number;
}

/**
 * Where to play one frame of a track, given where the previous one ends (`cursor`) and the
 * audio clock (`now`). Late (cursor behind the clock, after a gap): restart at the target lead.
 * Too far ahead (a burst after a stall): drop the frame, so the delay never keeps growing.
 */
export function scheduleFrame(cursor: number, now: number, durationS: number): ScheduleDecision {
  if (cursor < now + 0.01) {
    const startAt = now + TARGET_LEAD_S;
    return { startAt, nextCursor: startAt + durationS };
  }
  if (cursor - now > MAX_LEAD_S) return { nextCursor: cursor };
  return { startAt: cursor, nextCursor: cursor + durationS };
}

/** What CallSchedule needs of a frame; LiveAudioFrameMeta has it. */
export interface ScheduledFrame {
  track: string;
  timestamp: number;
  sampleRate: number;
  capturedAt?: number;
  runId?: string;
}

interface TrackRun {
  runId?: string;
  firstTimestamp: number;
  lastTimestamp: number;
  /** Capture time (s) of the run's first frame. */
  capturedAt: number;
}

/**
 * Where to play the frames of one call's tracks, lined up by capture time: one offset (audio
 * clock minus capture clock) serves every track, so caller and agent audio captured at the same
 * moment plays at the same moment, whichever arrived first, and a re-tap's outage is heard as
 * the silence it was. Each tap run is placed at its first frame's capture time and followed by
 * its sample timestamps from there (exact, where capture times jitter by a millisecond or two); a
 * new run is a new Audio-Run-Id or a timestamp that goes backwards. The offset is set again, for
 * all tracks, when a frame would play late or further ahead than MAX_LEAD_S; audio a track has
 * played already (a re-tap's overlap, a catch-up after a burst) is skipped. Frames without a
 * capture time fall back to scheduleFrame.
 */
export class CallSchedule {
  /** Audio-clock seconds minus capture-clock seconds; undefined until the first frame. */
  private offset?: number;
  private readonly cursors = new Map<string, number>();
  private readonly runs = new Map<string, TrackRun>();

  /** When to start the frame on the audio clock; undefined to drop it. */
  place(frame: ScheduledFrame, now: number, durationS: number): number | undefined {
    const cursor = this.cursors.get(frame.track) ?? 0;
    if (frame.capturedAt === undefined) {
      const decision = scheduleFrame(cursor, now, durationS);
      this.cursors.set(frame.track, decision.nextCursor);
      return decision.startAt;
    }
    const captured = this.captureTime(frame, frame.capturedAt);
    let target = this.offset === undefined ? -Infinity : captured + this.offset;
    if (target < now + 0.01 || target - now > MAX_LEAD_S) {
      this.offset = now + TARGET_LEAD_S - captured;
      target = now + TARGET_LEAD_S;
    }
    // Within half a frame of where the track's audio ends: play on seamlessly.
    if (target < cursor - durationS / 2) return undefined;
    const startAt = Math.max(target, cursor);
    this.cursors.set(frame.track, startAt + durationS);
    return startAt;
  }

  /** The frame's capture time (s): its run's first capture time plus its timestamp since then. */
  private captureTime(frame: ScheduledFrame, capturedAtMs: number): number {
    let run = this.runs.get(frame.track);
    if (!run || run.runId !== frame.runId || frame.timestamp <= run.lastTimestamp) {
      run = {
        runId: frame.runId,
        firstTimestamp: frame.timestamp,
        lastTimestamp: frame.timestamp,
        capturedAt: capturedAtMs / 1000,
      };
      this.runs.set(frame.track, run);
    }
    run.lastTimestamp = frame.timestamp;
    return run.capturedAt + (frame.timestamp - run.firstTimestamp) / frame.sampleRate;
  }
}

/** PCM16 little-endian to the float samples Web Audio plays. */
export function pcm16ToFloat(pcm: ArrayBuffer): Float32Array<ArrayBuffer> {
  const view = new DataView(pcm);
  const out = new Float32Array(pcm.byteLength >> 1);
  for (let i = 0; i < out.length; i += 1) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}
