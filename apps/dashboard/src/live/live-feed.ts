import { io, Socket } from 'socket.io-client';
import type {
  LiveAudioFrameMeta,
  LiveClientEvents,
  LiveListenReply,
  LiveServerEvents,
  TranscriptSegment,
  TranscriptWatchReply,
} from '@asb/contracts';
import { LiveCallsModel } from './live-calls-model';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

export type AudioListener = (meta: LiveAudioFrameMeta, pcm: ArrayBuffer) => void;

/**
 * The one socket.io connection of a logged-in dashboard (namespace /live, websocket only): it
 * keeps the live model current and carries live-listen audio. React reads it through
 * useSyncExternalStore; notifications are coalesced to one per animation frame, so a burst of
 * batches costs one render.
 */
export class LiveFeed {
  readonly model = new LiveCallsModel();
  status: FeedStatus = 'connecting';
  statusDetail = '';
  private readonly socket: Socket<LiveServerEvents, LiveClientEvents>;
  private readonly listeners = new Set<() => void>();
  private readonly audioListeners = new Set<AudioListener>();
  private readonly listenEndedListeners = new Set<(callId: string) => void>();
  private readonly transcriptListeners = new Set<(segment: TranscriptSegment) => void>();
  /** Calls whose transcript this dashboard watches, with how many views watch each. */
  private readonly watchedTranscripts = new Map<string, number>();
  private frame?: number;
  private snapshotVersion = 0;

  constructor(token: string, url = '/live') {
    this.socket = io(url, { transports: ['websocket'], auth: { token } });
    this.socket.on('connect', () => {
      this.setStatus('live');
      // A new connection is in no room: the transcripts watched before are asked for again.
      for (const callId of this.watchedTranscripts.keys()) void this.askTranscript(callId);
    });
    this.socket.on('disconnect', () => this.setStatus('reconnecting'));
    this.socket.on('connect_error', (error: Error) => this.setStatus('refused', error.message));
    this.socket.on('snapshot', (message) => {
      this.model.applySnapshot(message);
      this.changed();
    });
    this.socket.on('calls', (message) => {
      this.model.applyCalls(message);
      this.changed();
    });
    this.socket.on('health', (message) => {
      this.model.applyHealth(message);
      this.changed();
    });
    this.socket.on('audio', (meta, pcm) => {
      for (const listener of this.audioListeners) listener(meta, pcm);
    });
    this.socket.on('listen:ended', ({ callId }) => {
      for (const listener of this.listenEndedListeners) listener(callId);
    });
    this.socket.on('transcript', (segment) => {
      for (const listener of this.transcriptListeners) listener(segment);
    });
  }

  private setStatus(status: FeedStatus, detail = ''): void {
    this.status = status;
    this.statusDetail = detail;
    this.changed();
  }

  private changed(): void {
    if (this.frame !== undefined) return;
    const run = () => {
      this.frame = undefined;
      this.snapshotVersion += 1;
      for (const listener of this.listeners) listener();
    };
    this.frame =
      typeof requestAnimationFrame === 'function'
        ? requestAnimationFrame(run)
        : (setTimeout(run, 16) as unknown as number);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever the model or the status changed (for useSyncExternalStore). */
  getVersion = (): number => this.snapshotVersion;

  onAudio(listener: AudioListener): () => void {
    this.audioListeners.add(listener);
    return () => this.audioListeners.delete(listener);
  }

  /** The server stopped relaying a call's audio because the call ended. */
  onListenEnded(listener: (callId: string) => void): () => void {
    this.listenEndedListeners.add(listener);
    return () => this.listenEndedListeners.delete(listener);
  }

  listen(callId: string): Promise<LiveListenReply> {
    return this.socket.timeout(5000).emitWithAck('listen:start', { callId });
  }

  async stopListening(callId: string): Promise<void> {
    await this.socket
      .timeout(5000)
      .emitWithAck('listen:stop', { callId })
      .catch(() => undefined);
  }

  /**
   * Follows a call's transcript: `listener` gets each segment workers publish from now on.
   * Returns the stop; the server relays the call's segments while any view here watches it.
   */
  watchTranscript(callId: string, listener: (segment: TranscriptSegment) => void): () => void {
    const relevant = (segment: TranscriptSegment) => {
      if (segment.callId === callId) listener(segment);
    };
    this.transcriptListeners.add(relevant);
    const watchers = this.watchedTranscripts.get(callId) ?? 0;
    this.watchedTranscripts.set(callId, watchers + 1);
    if (watchers === 0 && this.socket.connected) void this.askTranscript(callId);
    return () => {
      this.transcriptListeners.delete(relevant);
      const left = (this.watchedTranscripts.get(callId) ?? 1) - 1;
      if (left > 0) {
        this.watchedTranscripts.set(callId, left);
        return;
      }
      this.watchedTranscripts.delete(callId);
      void this.socket
        .timeout(5000)
        .emitWithAck('transcript:unwatch', { callId })
        .catch(() => undefined);
    };
  }

  private askTranscript(callId: string): Promise<TranscriptWatchReply | undefined> {
    return this.socket
      .timeout(5000)
      .emitWithAck('transcript:watch', { callId })
      .catch(() => undefined);
  }

  close(): void {
    this.socket.close();
    if (this.frame !== undefined && typeof cancelAnimationFrame === 'function') {
      cancelAnimationFrame(this.frame);
    }
  }
}
