import type { NatsConnection } from 'nats';
import { AudioFrame, AudioTrack, audioSubject, recentAudioRequestSchema } from '@asb/contracts';
import {
  RecentAudioAnswer,
  requestRecentAudio,
  RecentAudioRequestOptions,
  readFrame,
} from './recent-audio-request';
import { TrackSeam } from './track-seam';

export interface JoinedFrame extends AudioFrame {
  /** From the gateway's recent audio rather than live. */
  fromHistory: boolean;
}

export interface JoinTrackOptions {
  /** Seconds of recent audio to start with (the gateway's bound caps it); 0 for live only. */
  recentSeconds?: number;
  /** Longest wait for the recent audio, while live frames are held; default 5000 ms. */
  timeoutMs?: number;
}

/** One track of a call in progress: its recent audio, then live, each frame once. */
export interface JoinedTrack extends AsyncIterable<JoinedFrame> {
  /** What the gateway answered for the recent audio (settles before any frame is yielded). */
  readonly history: Promise<Omit<RecentAudioAnswer, 'frames'> & { frames: number }>;
  /** Live messages left out because they broke the audio contract. */
  readonly invalidFrames: number;
  /** Stops: unsubscribes, and ends the iteration. */
  close(): void;
}

/**
 * Joins a track of a call already in progress: subscribes to its live audio first, asks the
 * gateway serving it for the recent seconds, then yields those frames (oldest first) followed by
 * the live ones, with no gap and no duplicate between them (TrackSeam). No gateway serves the
 * track, the request is refused or times out: live frames only, from the subscription on.
 *
 * ```ts
 * const caller = await joinTrack(nc, callId, 'caller', { recentSeconds: 10 });
 * for await (const frame of caller) recogniser.write(frame.pcm);
 * ```
 */
export async function joinTrack(
  nc: NatsConnection,
  callId: string,
  track: AudioTrack,
  options: JoinTrackOptions = {},
): Promise<JoinedTrack> {
  // Options the contract refuses fail here, before anything is subscribed.
  if (options.recentSeconds !== undefined && options.recentSeconds !== 0) {
    recentAudioRequestSchema.parse({ seconds: options.recentSeconds });
  }
  const seam = new TrackSeam<JoinedFrame>();
  const ready: JoinedFrame[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let invalidFrames = 0;
  const deliver = (frames: readonly JoinedFrame[]) => {
    for (const frame of frames) ready.push(frame);
    wake?.();
  };
  const subscription = nc.subscribe(audioSubject(callId, track), {
    callback: (error, message) => {
      if (error) return;
      const frame = readFrame(message);
      if (!frame) {
        invalidFrames += 1;
        return;
      }
      const joined: JoinedFrame = { ...frame, fromHistory: false };
      if (seam.live(joined)) deliver([joined]);
    },
  });
  const close = () => {
    if (closed) return;
    closed = true;
    subscription.unsubscribe();
    wake?.();
  };
  void subscription.closed.then(close);
  // The subscription is on the server before the request leaves: nothing falls between them.
  await nc.flush();
  const request: RecentAudioRequestOptions = { timeoutMs: options.timeoutMs };
  if (options.recentSeconds !== undefined) request.seconds = options.recentSeconds;
  const answer: Promise<RecentAudioAnswer> =
    options.recentSeconds === 0
      ? Promise.resolve({ outcome: 'answered', frames: [] })
      : requestRecentAudio(nc, callId, track, request);
  const history = answer.then((got) => {
    const usable = got.outcome === 'answered' || got.outcome === 'incomplete';
    deliver(seam.join(usable ? got.frames.map((frame) => ({ ...frame, fromHistory: true })) : []));
    return { ...got, frames: usable ? got.frames.length : 0 };
  });

  async function* frames(): AsyncGenerator<JoinedFrame> {
    await history;
    for (;;) {
      const frame = ready.shift();
      if (frame) {
        yield frame;
        continue;
      }
      if (closed) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  }

  return {
    history,
    get invalidFrames() {
      return invalidFrames;
    },
    close,
    [Symbol.asyncIterator]: () => frames(),
  };
}
