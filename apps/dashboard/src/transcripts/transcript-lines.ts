import type { TranscriptSegment } from '@asb/contracts';

/**
 * A call's transcript as the page shows it: one line per segment, the newest message of each
 * segment (a partial is replaced by the next partial and by its final; a final is never replaced
 * by a partial that arrives after it, e.g. a live message after the stored final), in the order
 * the segments were spoken.
 */
export function mergeSegments(
  lines: readonly TranscriptSegment[],
  incoming: readonly TranscriptSegment[],
): TranscriptSegment[] {
  const byId = new Map(lines.map((line) => [line.segmentId, line]));
  for (const segment of incoming) {
    const held = byId.get(segment.segmentId);
    if (held?.kind === 'final' && segment.kind === 'partial') continue;
    byId.set(segment.segmentId, segment);
  }
  return [...byId.values()].sort(
    (a, b) => a.span.startAt - b.span.startAt || a.track.localeCompare(b.track),
  );
}

/** Who speaks on a track: the caller track is the customer. */
export function speakerOf(segment: TranscriptSegment): string {
  return segment.track === 'caller' ? 'customer' : segment.track;
}
