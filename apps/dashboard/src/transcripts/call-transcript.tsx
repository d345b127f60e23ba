import { useEffect, useState } from 'react';
import type { CallTranscript as StoredTranscript, TranscriptSegment } from '@asb/contracts';
import { useApiResource } from '../api/use-api-resource';
import { useSession } from '../auth/session-context';
import { formatOffset } from '../format/format';
import { mergeSegments, speakerOf } from './transcript-lines';

/**
 * A call's transcript, beside its audio, when one exists: the finals call-logger stored, then,
 * while the call lasts, every segment workers publish (partials replaced by their finals).
 * A segment without text is shown for what it is: speech, and when, nothing recognised.
 */
export function CallTranscript({
  callId,
  startedAt,
  live,
}: {
  callId: string;
  startedAt?: string;
  /** The call is in progress: its segments are followed as workers publish them. */
  live: boolean;
}) {
  const { feed } = useSession();
  const { data } = useApiResource<StoredTranscript>(
    `/api/v1/calls/${encodeURIComponent(callId)}/transcript`,
  );
  const [lines, setLines] = useState<TranscriptSegment[]>([]);
  useEffect(() => {
    if (data) setLines((held) => mergeSegments(held, data.segments));
  }, [data]);
  useEffect(
    () =>
      live
        ? feed?.watchTranscript(callId, (segment) =>
            setLines((held) => mergeSegments(held, [segment])),
          )
        : undefined,
    [feed, callId, live],
  );
  if (lines.length === 0) return null;
  const origin = startedAt ? Date.parse(startedAt) : lines[0].span.startAt;
  const producers = [...new Set(lines.map((line) => line.producer.name))].join(', ');
  return (
    <section className="call-transcript" aria-label="Transcript">
      <h3>Transcript</h3>
      <ol className="transcript">
        {lines.map((line) => (
          <li
            key={line.segmentId}
            className={`transcript-line transcript-${line.kind}`}
            data-segment-id={line.segmentId}
            data-kind={line.kind}
            data-track={line.track}
          >
            <span className="timeline-offset">+{formatOffset(line.span.startAt - origin)}</span>
            <strong className={`speaker speaker-${line.track}`}>{speakerOf(line)}</strong>{' '}
            {line.text ? (
              <span className="transcript-text">{line.text}</span>
            ) : (
              <span className="muted transcript-speech">
                speech, {((line.span.endAt - line.span.startAt) / 1000).toFixed(1)} s
              </span>
            )}
            {line.kind === 'partial' && <span className="muted"> …</span>}
          </li>
        ))}
      </ol>
      <p className="muted transcript-producer">
        by {producers}
        {lines.some((line) => !line.text) && ': "speech" lines tell when someone spoke, not what'}
      </p>
    </section>
  );
}
