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

/** PCM16 little-endian to the float samples Web Audio plays. */
export function pcm16ToFloat(pcm: ArrayBuffer): Float32Array<ArrayBuffer> {
  const view = new DataView(pcm);
  const out = new Float32Array(pcm.byteLength >> 1);
  for (let i = 0; i < out.length; i += 1) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}
