import { useEffect, useState } from 'react';
import type { RecordingView } from '@asb/contracts';
import { useSession } from '../auth/session-context';
import { formatDuration } from '../format/format';

/**
 * Plays a call's recording. The <audio> element cannot send the Authorization header, so it
 * streams from a short-lived ticket URL (range requests let it seek without downloading all).
 */
export function RecordingPlayer({
  callId,
  recording,
}: {
  callId: string;
  recording: RecordingView | null;
}) {
  const { api, session } = useSession();
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState('');
  const playable = recording?.state === 'complete' && session?.user.role === 'admin';

  useEffect(() => {
    if (!playable) return;
    let current = true;
    api.post<{ url: string }>(`/api/v1/calls/${encodeURIComponent(callId)}/recording/ticket`).then(
      (ticket) => current && setUrl(ticket.url),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [api, callId, playable]);

  if (!recording) return <p className="muted">No recording of this call.</p>;
  if (recording.state === 'recording') return <p className="muted">Recording in progress…</p>;
  if (recording.state === 'failed') return <p className="error-text">The recording failed.</p>;
  return (
    <div className="recording">
      <p className="muted">
        {formatDuration(recording.durationMs)},{' '}
        {recording.channels === 2 ? 'stereo (caller left, agent right)' : 'mono'},{' '}
        {recording.sampleRate} Hz
      </p>
      {session?.user.role !== 'admin' && <p className="muted">Only admins may play recordings.</p>}
      {error && <p className="error-text">{error}</p>}
      {url && (
        <>
          <audio controls preload="metadata" src={url} data-testid="recording-audio" />
          <a className="button" href={url} download={`${callId}.wav`}>
            Download
          </a>
        </>
      )}
    </div>
  );
}
