import { createInbox, Msg, NatsConnection } from 'nats';
import {
  AUDIO_HEADERS,
  AudioFrame,
  AudioTrack,
  ContractViolation,
  parseAudioFrame,
  RECENT_AUDIO_HEADERS,
  recentAudioRequestSchema,
  recentAudioSubject,
} from '@asb/contracts';

/** How a request for recent audio ended. */
export type RecentAudioOutcome =
  /** The gateway answered; `frames` is all it sent. */
  | 'answered'
  /** The gateway answered, but fewer valid frames came than its end message counts. */
  | 'incomplete'
  /** No gateway serves the track (not tapped now, or the gateway is gone). */
  | 'no_responders'
  /** The gateway refused the request (`error` says why). */
  | 'refused'
  /** No end message came in time (a gateway that stopped while answering). */
  | 'timed_out'
  /** The request could not be sent (the connection is closed); `error` says why. */
  | 'failed';

export interface RecentAudioAnswer {
  outcome: RecentAudioOutcome;
  /** The frames received, oldest first (their `pcm` is a view on the message). */
  frames: AudioFrame[];
  /** Why, when refused or failed. */
  error?: string;
}

export interface RecentAudioRequestOptions {
  /** How far back (at most RECENT_AUDIO_MAX_SECONDS); omitted, all the gateway holds. */
  seconds?: number;
  /** Longest wait for the whole answer; default 5000 ms. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const NO_RESPONDERS = 503;

/**
 * Asks the gateway serving a track for its recent audio (recent-audio.v1) and collects the
 * answer: frames until the end message, of the tap run that message names (where two gateways
 * answer during a re-tap, the first to finish). Subscribe to the live audio before calling this, or the
 * frames published meanwhile are in neither. Throws only for options the contract refuses
 * (and for a connection already closed, which cannot subscribe).
 */
export async function requestRecentAudio(
  nc: NatsConnection,
  callId: string,
  track: AudioTrack,
  options: RecentAudioRequestOptions = {},
): Promise<RecentAudioAnswer> {
  const request = recentAudioRequestSchema.parse(
    options.seconds === undefined ? {} : { seconds: options.seconds },
  );
  // By tap run: two gateways may both answer while a track is re-tapped; one run's frames count.
  const runs = new Map<string, AudioFrame[]>();
  let frames: AudioFrame[] = [];
  const inbox = createInbox();
  return new Promise<RecentAudioAnswer>((resolve) => {
    const subscription = nc.subscribe(inbox, {
      callback: (error, message) => {
        if (error) return;
        const end = message.headers?.get(RECENT_AUDIO_HEADERS.end);
        if (message.headers?.code === NO_RESPONDERS) {
          finish({ outcome: 'no_responders' });
        } else if (end) {
          // A gateway of a version that did not name the run: its frames are the only ones.
          const named = message.headers?.get(AUDIO_HEADERS.runId);
          frames = (named ? runs.get(named) : [...runs.values()][0]) ?? [];
          const refusal = message.headers?.get(RECENT_AUDIO_HEADERS.error);
          if (refusal) finish({ outcome: 'refused', error: refusal });
          else finish({ outcome: Number(end) === frames.length ? 'answered' : 'incomplete' });
        } else {
          // A frame that breaks the contract is left out; the count then tells.
          const frame = readFrame(message);
          if (frame) {
            const run = runs.get(frame.runId ?? '');
            if (run) run.push(frame);
            else runs.set(frame.runId ?? '', [frame]);
          }
        }
      },
    });
    // After the subscription, which throws on a closed connection.
    const timer = setTimeout(
      () => finish({ outcome: 'timed_out' }),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    function finish(answer: Omit<RecentAudioAnswer, 'frames'>): void {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve({ ...answer, frames });
    }
    try {
      nc.publish(
        recentAudioSubject(callId, track),
        request.seconds === undefined
          ? undefined
          : new TextEncoder().encode(JSON.stringify(request)),
        { reply: inbox },
      );
    } catch (error) {
      finish({ outcome: 'failed', error: (error as Error).message });
    }
  });
}

/** The frame a message carries, or undefined if it breaks the contract. */
export function readFrame(message: Msg): AudioFrame | undefined {
  const headers = message.headers;
  try {
    return parseAudioFrame((name) => headers?.get(name) || undefined, message.data);
  } catch (error) {
    if (error instanceof ContractViolation) return undefined;
    throw error;
  }
}
