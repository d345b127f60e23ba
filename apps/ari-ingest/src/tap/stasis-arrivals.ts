/**
 * Which of our channels have entered the Stasis app. A StasisStart may come before or after the
 * HTTP reply that created the channel, so arrivals are remembered until the channel ends, and a
 * waiter registered before the request sees an arrival that beat the reply.
 */
export class StasisArrivals {
  private readonly inStasis = new Set<string>();
  private readonly waiters = new Set<{ ids: string[]; resolve: () => void }>();

  arrived(channelId: string): void {
    this.inStasis.add(channelId);
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

  /** After a reconnect nothing is replayed: what is in Stasis is learnt again from GET /channels. */
  reset(channelIdsInStasis: Iterable<string>): void {
    this.inStasis.clear();
    for (const id of channelIdsInStasis) this.arrived(id);
  }
}
