/** A receiver of an app's events: one ARI events WebSocket. */
export interface AppConnection {
  send(json: string): void;
  close(code?: number, reason?: string): void;
}

export interface EventFilter {
  allowed: Array<{ type: string }>;
  disallowed: Array<{ type: string }>;
}

/**
 * A Stasis application as Asterisk keeps it: its WebSocket connections, the event sources it
 * subscribed to and its event filter. It comes with its first WebSocket and stays while it is
 * connected or subscribed to anything: Asterisk does not drop an app's subscriptions when its
 * WebSocket goes, and keeps queueing their events for nobody.
 */
export class StasisApplication {
  readonly connections = new Set<AppConnection>();
  /** Connected with subscribeAll: sees everything without subscriptions of its own. */
  subscribeAll = false;
  allChannels = false;
  allBridges = false;
  readonly channelIds = new Set<string>();
  readonly bridgeIds = new Set<string>();
  filter: EventFilter = { allowed: [], disallowed: [] };
  /** Events queued for the app since its last WebSocket closed. */
  queuedEvents = 0;

  constructor(readonly name: string) {}

  get connected(): boolean {
    return this.connections.size > 0;
  }

  get subscriptions(): string[] {
    return [
      ...(this.allChannels ? ['channel:'] : []),
      ...(this.allBridges ? ['bridge:'] : []),
      ...[...this.channelIds].map((id) => `channel:${id}`),
      ...[...this.bridgeIds].map((id) => `bridge:${id}`),
    ];
  }

  passesFilter(type: string): boolean {
    if (this.filter.allowed.length > 0 && !this.filter.allowed.some((f) => f.type === type))
      return false;
    return !this.filter.disallowed.some((f) => f.type === type);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      channel_ids: [...this.channelIds],
      bridge_ids: [...this.bridgeIds],
      endpoint_ids: [],
      device_names: [],
      events_allowed: this.filter.allowed,
      events_disallowed: this.filter.disallowed,
    };
  }
}
