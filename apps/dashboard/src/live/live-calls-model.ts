import type {
  LiveCall,
  LiveCallsMessage,
  LiveHealthMessage,
  LiveSnapshotMessage,
  StreamHealthUpdate,
} from '@asb/contracts';

/**
 * The dashboard's copy of the calls in progress, kept from the server's snapshot and batches.
 * Plain data and functions (no socket, no React), so it is tested on its own.
 */
export class LiveCallsModel {
  readonly calls = new Map<string, LiveCall>();
  /** Server clock minus ours, so durations tick from the server's idea of now. */
  clockOffsetMs = 0;
  /** Bumped on every change: a cheap "did anything change" for React. */
  version = 0;
  complete = false;
  /** When the last change was applied (ms, our clock): the e2e test reads the lag from it. */
  lastAppliedAt = 0;

  private sorted: LiveCall[] = [];
  private sortedVersion = -1;

  private touched(serverAt: string, now: number): void {
    this.clockOffsetMs = Date.parse(serverAt) - now;
    this.version += 1;
    this.lastAppliedAt = now;
  }

  applySnapshot(message: LiveSnapshotMessage, now = Date.now()): void {
    this.calls.clear();
    for (const call of message.calls) this.calls.set(call.callId, call);
    this.complete = message.complete;
    this.touched(message.at, now);
  }

  applyCalls(message: LiveCallsMessage, now = Date.now()): void {
    for (const call of [...message.started, ...message.answered, ...message.updated]) {
      this.calls.set(call.callId, call);
    }
    for (const ended of message.ended) this.calls.delete(ended.callId);
    this.touched(message.at, now);
  }

  applyHealth(message: LiveHealthMessage, now = Date.now()): void {
    for (const update of message.streams) this.applyStream(update);
    this.touched(message.at, now);
  }

  private applyStream(update: StreamHealthUpdate): void {
    const call = this.calls.get(update.callId);
    if (!call) return;
    const track = call.tracks[update.track];
    // A new object, so a row that memoises on its call re-renders.
    this.calls.set(update.callId, {
      ...call,
      tracks: {
        ...call.tracks,
        [update.track]: {
          tap: 'tapped',
          codec: null,
          sampleRate: null,
          packets: 0,
          lost: 0,
          ...track,
          track: update.track,
          health: update.health,
          levelDbfs: update.levelDbfs,
          lossPercent: update.lossPercent,
          jitterMs: update.jitterMs,
          sampledAt: update.sampledAt,
          speaking: update.speaking,
        },
      },
    });
  }

  /** Newest first; recomputed only after a change. */
  list(): LiveCall[] {
    if (this.sortedVersion !== this.version) {
      this.sorted = [...this.calls.values()].sort((a, b) =>
        a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0,
      );
      this.sortedVersion = this.version;
    }
    return this.sorted;
  }
}
