import type { NatsConnection } from 'nats';
import type { AudioFrame, AudioTrack } from '@asb/contracts';
import { RecentAudioAnswer, requestRecentAudio, TrackSeam } from '@asb/consumer-kit';
import type { FrameSink } from './frame-sink';

/** The stream being caught up: takes frames, and says when its socket has room for more. */
export interface CatchUpTarget extends FrameSink {
  /** Frames given now go straight out (the stream is open, nothing waits, the socket has room). */
  readonly hasRoom: boolean;
  readonly isStopped: boolean;
}

interface TrackFrame {
  track: AudioTrack;
  frame: AudioFrame;
}

/** How soon a socket that was full is looked at again while catching up. */
const FEED_RETRY_MS = 5;

/**
 * Interleaves the tracks' frames by capture time, each track's own order kept, so a stream that
 * pairs two tracks (jambonz stereo or mixed) gets both sides of each moment together.
 */
function byCaptureTime(lists: TrackFrame[][]): TrackFrame[] {
  const merged: TrackFrame[] = [];
  const next = lists.map(() => 0);
  for (;;) {
    let pick = -1;
    for (let i = 0; i < lists.length; i += 1) {
      const head = lists[i][next[i]];
      if (!head) continue;
      const best = pick < 0 ? undefined : lists[pick][next[pick]];
      if (!best || (head.frame.capturedAt ?? 0) < (best.frame.capturedAt ?? 0)) pick = i;
    }
    if (pick < 0) return merged;
    merged.push(lists[pick][next[pick]]);
    next[pick] += 1;
  }
}

/**
 * A stream that starts on a call in progress with the call's recent audio: stands between the
 * call's live frames and the stream, holds them (TrackSeam) while the gateways are asked for the
 * tracks' recent seconds, then gives the stream the recent frames and the held live ones in
 * order, as fast as its socket takes them, and from then on the live frames as they come: no
 * gap and no duplicate at the seam. A track no gateway answers for starts live.
 */
export class RecentAudioCatchUp implements FrameSink {
  private readonly seams = new Map<AudioTrack, TrackSeam<AudioFrame>>();
  /** Frames to give the stream before live ones pass straight through. */
  private pending: TrackFrame[] = [];
  private next = 0;
  private catchingUp = true;
  private stopped = false;
  private readonly feed = () => this.feedPending();

  constructor(
    private readonly stream: CatchUpTarget,
    readonly tracks: readonly AudioTrack[],
  ) {
    for (const track of tracks) this.seams.set(track, new TrackSeam());
  }

  /** Whether the recent audio has all gone out (or there was none). */
  get caughtUp(): boolean {
    return !this.catchingUp;
  }

  onFrame(track: AudioTrack, frame: AudioFrame, receivedAt: number): void {
    const seam = this.seams.get(track);
    if (seam && !seam.live(frame)) return;
    if (seam && this.catchingUp) {
      this.pending.push({ track, frame });
      return;
    }
    this.stream.onFrame(track, frame, receivedAt);
  }

  /**
   * Asks for the recent audio (call it once the live subscription is on the server) and starts
   * giving it to the stream; resolves with each track's answer once it came.
   */
  async start(
    nc: NatsConnection,
    callId: string,
    seconds: number,
    timeoutMs?: number,
  ): Promise<Map<AudioTrack, RecentAudioAnswer>> {
    const answers = new Map<AudioTrack, RecentAudioAnswer>();
    await Promise.all(
      this.tracks.map(async (track) => {
        answers.set(track, await requestRecentAudio(nc, callId, track, { seconds, timeoutMs }));
      }),
    );
    this.join(answers);
    return answers;
  }

  /** Goes on without recent audio: the held live frames, then live. */
  withoutRecentAudio(): void {
    this.join(new Map());
  }

  private join(answers: ReadonlyMap<AudioTrack, RecentAudioAnswer>): void {
    const joined = this.tracks.map((track) => {
      const answer = answers.get(track);
      const usable = answer?.outcome === 'answered' || answer?.outcome === 'incomplete';
      const seam = this.seams.get(track) as TrackSeam<AudioFrame>;
      return seam.join(usable ? answer.frames : []).map((frame) => ({ track, frame }));
    });
    // Live frames let through while the answers came wait behind the recent ones.
    this.pending = [...byCaptureTime(joined), ...this.pending];
    this.feedPending();
  }

  /** The stream stopped: nothing more is given to it. */
  stop(): void {
    this.stopped = true;
    this.pending = [];
  }

  private feedPending(): void {
    if (this.stopped || this.stream.isStopped) return;
    const { pending } = this;
    while (this.next < pending.length && this.stream.hasRoom) {
      const { track, frame } = pending[this.next];
      this.next += 1;
      this.stream.onFrame(track, frame, performance.now());
    }
    if (this.next < pending.length) {
      setTimeout(this.feed, FEED_RETRY_MS);
      return;
    }
    this.pending = [];
    this.next = 0;
    this.catchingUp = false;
  }
}
