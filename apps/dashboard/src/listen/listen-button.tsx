import { useEffect, useRef, useState } from 'react';
import { useSession } from '../auth/session-context';
import { LiveListenPlayer } from './live-listen-player';

type ListenState = 'idle' | 'starting' | 'listening' | 'ended' | 'error';

/**
 * Listen to a call live (admins): asks the server to relay the call's audio to this socket and
 * plays it. Frames counted in data attributes let a test see the audio arrive.
 */
export function ListenButton({ callId }: { callId: string }) {
  const { feed, session } = useSession();
  const [state, setState] = useState<ListenState>('idle');
  const [error, setError] = useState('');
  const [frames, setFrames] = useState(0);
  const player = useRef<LiveListenPlayer | undefined>(undefined);

  useEffect(() => {
    if (state !== 'listening' || !feed) return;
    const stopAudio = feed.onAudio((meta, pcm) => {
      if (meta.callId !== callId) return;
      player.current?.push(meta, pcm);
    });
    const stopEnded = feed.onListenEnded((ended) => {
      if (ended !== callId) return;
      void player.current?.close();
      player.current = undefined;
      setState('ended');
    });
    const counter = setInterval(() => setFrames(player.current?.framesReceived ?? 0), 250);
    return () => {
      stopAudio();
      stopEnded();
      clearInterval(counter);
    };
  }, [state, feed, callId]);

  useEffect(
    () => () => {
      void player.current?.close();
      if (feed) void feed.stopListening(callId);
    },
    [feed, callId],
  );

  if (session?.user.role !== 'admin') return null;

  async function start() {
    if (!feed) return;
    setState('starting');
    // Created inside the click, so the browser lets it play.
    player.current = new LiveListenPlayer();
    const reply = await feed.listen(callId).catch((e: Error) => ({ ok: false, error: e.message }));
    if (reply.ok) {
      setState('listening');
      return;
    }
    await player.current.close();
    player.current = undefined;
    setError(reply.error ?? 'refused');
    setState('error');
  }

  async function stop() {
    await feed?.stopListening(callId);
    await player.current?.close();
    player.current = undefined;
    setFrames(0);
    setState('idle');
  }

  return (
    <span className="listen" data-listen-state={state} data-frames={frames}>
      {state === 'listening' ? (
        <button type="button" className="button button-listening" onClick={() => void stop()}>
          Stop listening ({frames} frames)
        </button>
      ) : (
        <button
          type="button"
          className="button"
          disabled={state === 'starting'}
          onClick={() => void start()}
          title="Listen to this call live"
        >
          Listen live
        </button>
      )}
      {state === 'error' && <span className="error-text"> {error}</span>}
      {state === 'ended' && <span className="muted"> the call ended</span>}
    </span>
  );
}
