/**
 * Which of our channels have entered the Stasis app. A StasisStart may come before or after the
 * HTTP reply that created the channel, so arrivals are remembered until the channel ends, and a
 * waiter registered before the request sees an arrival that beat the reply.
 */
export class StasisArrivals {
  /** Channel id -> performance.now() of its arrival. */
  private readonly inStasis = new Map<string, number>();
  private readonly waiters = new Set<{ ids: string[]; resolve: () => void }>();

  arrived(channelId: string, at = performance.now()): void {
    if (!this.inStasis.has(channelId)) this.inStasis.set(channelId, at);
    for (const waiter of this.waiters) {
      if (waiter.ids.every((id) => this.inStasis.has(id))) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  left(channelId: string): void {
    this.inStasis.delete(channelId);
  }

  has(channelId: string): boolean {
    return this.inStasis.has(channelId);
  }

  /** Resolves true once every id is in Stasis, false when the time is up. */
  waitFor(ids: string[], timeoutMs: number): Promise<boolean> {
    if (ids.every((id) => this.inStasis.has(id))) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        ids,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(
        () => {
          this.waiters.delete(waiter);
          resolve(false);
        },
        Math.max(0, timeoutMs),
      );
      this.waiters.add(waiter);
    });
  }

  /**
   * After a reconnect nothing is replayed: what is in Stasis is learnt again from GET /channels.
   * A channel missing from that list is forgotten only if it arrived before the list was asked
   * for; one that arrived while the request was in flight is newer than the list.
   */
  resync(channelIdsInStasis: Iterable<string>, listRequestedAt: number): void {
    const listed = new Set(channelIdsInStasis);
    for (const [id, arrivedAt] of this.inStasis) {
      if (!listed.has(id) && arrivedAt < listRequestedAt) this.inStasis.delete(id);
    }
    for (const id of listed) this.arrived(id, listRequestedAt);
  }
}
