/** What the first event of a channel not yet told apart said: kept for the call it may become. */
export interface FirstSight {
  /** Asterisk's time of that event. */
  at?: Date;
  /** performance.now() when it was seen, for pruning. */
  seenAt: number;
}

/** Undecided channels older than this are forgotten once the map grows (a lost ChannelDestroyed). */
const UNDECIDED_MEMORY_MS = 10 * 60_000;
const UNDECIDED_PRUNE_SIZE = 4096;

/**
 * The channels of each server that match the trunk pattern but are not calls, or not yet known
 * to be: agents' phones, and outgoing channels created without a caller id, which VICIdial gives
 * an agent's phone (its login call code) before calling it.
 */
export class ChannelTriage {
  private readonly undecided = new Map<string, Map<string, FirstSight>>();
  private readonly agentPhones = new Map<string, Set<string>>();

  /** Remembers the first sight of a channel that cannot be told yet. */
  hold(server: string, channelId: string, at?: Date): void {
    const held = this.mapOf(this.undecided, server, () => new Map<string, FirstSight>());
    if (held.has(channelId)) return;
    const now = performance.now();
    if (held.size >= UNDECIDED_PRUNE_SIZE) {
      for (const [id, sight] of held)
        if (now - sight.seenAt >= UNDECIDED_MEMORY_MS) held.delete(id);
    }
    held.set(channelId, { at, seenAt: now });
  }

  /** The first sight of a channel held as undecided, which is then no longer held. */
  take(server: string, channelId: string): FirstSight | undefined {
    const held = this.undecided.get(server);
    const sight = held?.get(channelId);
    held?.delete(channelId);
    return sight;
  }

  /** Notes an agent's phone; true the first time it is seen. */
  noteAgentPhone(server: string, channelId: string): boolean {
    this.undecided.get(server)?.delete(channelId);
    const phones = this.mapOf(this.agentPhones, server, () => new Set<string>());
    if (phones.has(channelId)) return false;
    phones.add(channelId);
    return true;
  }

  agentPhoneCount(server: string): number {
    return this.agentPhones.get(server)?.size ?? 0;
  }

  /** The channel is destroyed. */
  gone(server: string, channelId: string): void {
    this.undecided.get(server)?.delete(channelId);
    this.agentPhones.get(server)?.delete(channelId);
  }

  forget(server: string): void {
    this.undecided.delete(server);
    this.agentPhones.delete(server);
  }

  private mapOf<T>(maps: Map<string, T>, server: string, create: () => T): T {
    let value = maps.get(server);
    if (!value) {
      value = create();
      maps.set(server, value);
    }
    return value;
  }
}
