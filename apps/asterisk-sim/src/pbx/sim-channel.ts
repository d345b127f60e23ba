import { ariTimestamp } from './ari-time';

export type ChannelState =
  'Down' | 'Rsrvd' | 'OffHook' | 'Dialing' | 'Ring' | 'Ringing' | 'Up' | 'Busy';

/** What a snoop on this channel hears: `in` = what Asterisk receives from the far end, `out` = what it sends. */
export interface ChannelVoices {
  in: string;
  out: string;
}

export interface Dialplan {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

export type ChannelKind = 'call' | 'snoop' | 'external_media';

export interface SnoopLink {
  spiedChannelId: string;
  spy: 'in' | 'out' | 'both' | 'none';
}

export interface ExternalMediaEndpoint {
  host: string;
  port: number;
  format: 'ulaw' | 'alaw' | 'slin' | 'slin16';
  localAddress: string;
  localPort: number;
}

/** Where an AudioSocket externalMedia channel's connection goes, and what it sends. */
export interface AudioSocketEndpoint {
  host: string;
  port: number;
  uuid: string;
  format: 'ulaw' | 'alaw' | 'slin' | 'slin16';
}

/** One simulated channel, with the JSON shape Asterisk gives it in REST replies and events. */
export class SimChannel {
  state: ChannelState;
  caller = { name: '', number: '' };
  connected = { name: '', number: '' };
  dialplan: Dialplan;
  readonly creationtime = ariTimestamp();
  readonly variables = new Map<string, string>();
  /** Variables Asterisk includes as `channelvars` in the channel's JSON. */
  readonly exposedVariables = new Set<string>();
  /** The Stasis application the channel is in (after its StasisStart), if any. */
  stasisApp?: string;
  /** The app a snoop/externalMedia channel was created for, before it enters Stasis. */
  pendingApp?: string;
  stasisArgs: string[] = [];
  bridgeId?: string;
  snoop?: SnoopLink;
  externalMedia?: ExternalMediaEndpoint;
  audioSocket?: AudioSocketEndpoint;
  voices?: ChannelVoices;
  destroyed = false;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly kind: ChannelKind,
    options: { state?: ChannelState; dialplan?: Partial<Dialplan>; voices?: ChannelVoices } = {},
  ) {
    this.state = options.state ?? 'Down';
    this.dialplan = {
      context: 'default',
      exten: 's',
      priority: 1,
      app_name: '',
      app_data: '',
      ...options.dialplan,
    };
    this.voices = options.voices;
  }

  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: this.id,
      name: this.name,
      state: this.state,
      protocol_id: '',
      caller: { ...this.caller },
      connected: { ...this.connected },
      accountcode: '',
      dialplan: { ...this.dialplan },
      creationtime: this.creationtime,
      language: 'en',
    };
    if (this.exposedVariables.size > 0) {
      json['channelvars'] = Object.fromEntries(
        [...this.exposedVariables].map((key) => [key, this.variables.get(key) ?? '']),
      );
    }
    return json;
  }
}
