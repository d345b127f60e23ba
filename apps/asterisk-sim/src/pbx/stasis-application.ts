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
 * subscribed to and its event filter. It exists while at least one WebSocket is connected.
 */
export class StasisApplication {
  readonly connections = new Set<AppConnection>();
  allChannels = false;
  allBridges = false;
  readonly channelIds = new Set<string>();
  readonly bridgeIds = new Set<string>();
  filter: EventFilter = { allowed: [], disallowed: [] };

  constructor(readonly name: string) {}

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
