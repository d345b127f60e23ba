import { randomBytes } from 'node:crypto';
import { isIPv4, Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { isAudioSocketUuid } from '@asb/rtp';
import { AriError } from './ari-error';
import { ariTimestamp } from './ari-time';
import { causeText } from './hangup-causes';
import { SimBridge } from './sim-bridge';
import {
  ChannelState,
  ChannelVoices,
  Dialplan,
  ExternalMediaEndpoint,
  SimChannel,
} from './sim-channel';
import { StasisApplication } from './stasis-application';

/** Asterisk's default high-water mark of a task processor queue, where it starts warning. */
const TASK_PROCESSOR_HIGH_WATER = 500;

export const EXTERNAL_MEDIA_FORMATS = ['ulaw', 'alaw', 'slin', 'slin16'] as const;
export type ExternalMediaFormat = (typeof EXTERNAL_MEDIA_FORMATS)[number];

/** The RTP side of the simulator, as the PBX sees it. */
export interface MediaPlane {
  allocateLocalPort(): Promise<{ address: string; port: number }>;
  releaseLocalPort(port: number): void;
  /** Starts (or re-targets) the RTP stream of an externalMedia channel; voices are fixture names to mix. */
  startStream(channelId: string, endpoint: ExternalMediaEndpoint, voices: string[]): void;
  stopStream(channelId: string): void;
}

/** The AudioSocket side of the simulator (externalMedia over TCP), as the PBX sees it. */
export interface AudioSocketPlane {
  /** Connects to the peer within the request, as chan_audiosocket does, or fails with "Allocation failed". */
  connect(target: { host: string; port: number }): Promise<Socket>;
  /**
   * The channel was made: the connection sends the UUID message, then the channel's audio;
   * `hangup` is how the connection hangs the channel up (the peer's 0x00, a failed write).
   */
  attach(
    channelId: string,
    socket: Socket,
    tap: { uuid: string; format: ExternalMediaFormat },
    hangup: (cause: number) => void,
  ): void;
  startStream(channelId: string, voices: string[]): void;
  stopStream(channelId: string): void;
  /** The channel is gone: its connection is closed. */
  close(channelId: string): void;
}

/** Timing and failure faults an instance can be told to inject. */
export interface InstanceFaults {
  /** StasisStart of a new snoop/externalMedia channel comes this long after the HTTP reply. */
  stasisStartDelayMs: number;
  /**
   * Time Asterisk's Stasis processing spends on each channel entering an app, one after the
   * other: in a burst, each new channel waits behind the ones before it, as on a busy PBX.
   */
  stasisEntryMs: number;
  /** StasisStart comes before the HTTP reply (the other side of the race). */
  stasisStartBeforeReply: boolean;
  /** Every REST reply is delayed by this much. */
  restDelayMs: number;
  /** Share of REST requests (0-1) answered with a 500, as an overloaded Asterisk does. */
  restFailureRate: number;
}

export const NO_FAULTS: InstanceFaults = {
  stasisStartDelayMs: 0,
  stasisEntryMs: 0,
  stasisStartBeforeReply: false,
  restDelayMs: 0,
  restFailureRate: 0,
};

interface EmitOptions {
  channel?: SimChannel;
  bridge?: SimBridge;
  fields?: Record<string, unknown>;
  /** StasisStart/StasisEnd go to the channel's own app only. */
  toApp?: string;
}

export interface CallChannelSpec {
  name: string;
  state?: ChannelState;
  dialplan?: Partial<Dialplan>;
  voices?: ChannelVoices;
  caller?: { name: string; number: string };
  connected?: { name: string; number: string };
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function randomAsteriskId(): string {
  const octets = [0x02, ...randomBytes(5)];
  return octets.map((o) => o.toString(16).padStart(2, '0')).join(':');
}

/**
 * One simulated Asterisk: its channels, bridges and Stasis applications, and the ARI events it
 * emits, in Asterisk's order and with Asterisk's rules (who sees which event, which channels
 * survive whose hangup). It never cleans up after an app: that is the app's job, as on Asterisk.
 */
export class AsteriskInstance {
  asteriskId = randomAsteriskId();
  readonly channels = new Map<string, SimChannel>();
  readonly bridges = new Map<string, SimBridge>();
  readonly apps = new Map<string, StasisApplication>();
  faults: InstanceFaults = { ...NO_FAULTS };
  private counter = 0;
  /** performance.now() when the serial Stasis entry queue is free again (see stasisEntryMs). */
  private stasisQueueFreeAt = 0;
  private readonly listeners = new Set<(type: string, channel?: SimChannel) => void>();
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    private readonly media: MediaPlane,
    /** asterisk.conf `systemname`, which prefixes every uniqueid. */
    private readonly systemName?: string,
    private readonly audioSockets?: AudioSocketPlane,
  ) {
    this.logger = new Logger(`Asterisk ${name}`);
  }

  /** Observes every event the instance emits (scenario bookkeeping, tests). */
  onEvent(listener: (type: string, channel?: SimChannel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  nextUniqueId(): string {
    this.counter += 1;
    const uniqueid = `${Math.floor(Date.now() / 1000)}.${this.counter}`;
    return this.systemName ? `${this.systemName}-${uniqueid}` : uniqueid;
  }

  // ---- events -------------------------------------------------------------------------------

  private emit(type: string, options: EmitOptions = {}): void {
    for (const listener of this.listeners) listener(type, options.channel);
    const recipients = options.toApp
      ? [this.apps.get(options.toApp)].filter((a): a is StasisApplication => !!a)
      : this.interestedApps(options);
    if (recipients.length === 0) return;
    const body: Record<string, unknown> = { type, timestamp: ariTimestamp(), ...options.fields };
    if (options.bridge) body['bridge'] = options.bridge.toJSON();
    if (options.channel && !('channel' in body)) body['channel'] = options.channel.toJSON();
    body['asterisk_id'] = this.asteriskId;
    for (const app of recipients) {
      if (!app.connected) {
        this.queueForAbsentApp(app);
        continue;
      }
      if (!app.passesFilter(type)) continue;
      const json = JSON.stringify({ ...body, application: app.name });
      for (const connection of app.connections) connection.send(json);
    }
  }

  private interestedApps({ channel, bridge }: EmitOptions): StasisApplication[] {
    const result: StasisApplication[] = [];
    for (const app of this.apps.values()) {
      const viaChannel =
        channel &&
        (channel.stasisApp === app.name || app.allChannels || app.channelIds.has(channel.id));
      const viaBridge =
        bridge && (bridge.ownerApp === app.name || app.allBridges || app.bridgeIds.has(bridge.id));
      if (app.subscribeAll || viaChannel || viaBridge) result.push(app);
    }
    return result;
  }

  /** Asterisk queues an absent app's events on its task processor, which warns at the high-water mark. */
  private queueForAbsentApp(app: StasisApplication): void {
    app.queuedEvents += 1;
    if (app.queuedEvents === TASK_PROCESSOR_HIGH_WATER) {
      this.logger.warn(
        `WARNING taskprocessor.c: The 'stasis/m:ari:application/${app.name}' task processor queue reached ${TASK_PROCESSOR_HIGH_WATER} scheduled tasks.`,
      );
    }
  }

  // ---- applications -------------------------------------------------------------------------

  application(name: string): StasisApplication {
    const app = this.apps.get(name);
    if (!app) throw AriError.notFound('Application not found');
    return app;
  }

  /** The apps with a WebSocket connected: the only ones GET /applications shows. */
  connectedApps(): StasisApplication[] {
    return [...this.apps.values()].filter((app) => app.connected);
  }

  /** Apps whose WebSockets are gone but whose subscriptions Asterisk still serves. */
  lingeringApps(): StasisApplication[] {
    return [...this.apps.values()].filter((app) => !app.connected);
  }

  connectApp(name: string, subscribeAll: boolean): StasisApplication {
    let app = this.apps.get(name);
    if (!app) {
      app = new StasisApplication(name);
      this.apps.set(name, app);
    }
    app.subscribeAll ||= subscribeAll;
    app.queuedEvents = 0;
    return app;
  }

  /**
   * Called when a WebSocket closes. The app's channels stay; so does the app itself while it is
   * subscribed to anything, until it unsubscribes or Asterisk restarts. A subscribeAll app holds
   * no subscriptions of its own and goes with its last WebSocket.
   */
  disconnectApp(app: StasisApplication): void {
    if (app.connected || this.apps.get(app.name) !== app) return;
    app.subscribeAll = false;
    this.forgetIfFinished(app);
  }

  private forgetIfFinished(app: StasisApplication): void {
    if (!app.connected && app.subscriptions.length === 0) this.apps.delete(app.name);
  }

  /**
   * POST/DELETE /applications/{app}/subscription. Sources are handled in order and the first
   * failure ends the request, as in Asterisk's res_stasis (earlier sources stay changed).
   */
  subscribe(appName: string, eventSources: string[], subscribe: boolean): StasisApplication {
    const app = this.application(appName);
    for (const source of eventSources) {
      const [kind, id = ''] = source.split(':');
      if (kind === 'channel' || kind === 'bridge') {
        const all = kind === 'channel' ? 'allChannels' : 'allBridges';
        const ids = kind === 'channel' ? app.channelIds : app.bridgeIds;
        const exists = kind === 'channel' ? this.channels.has(id) : this.bridges.has(id);
        if (subscribe) {
          if (id === '') app[all] = true;
          else if (!exists) throw new AriError(422, 'Event source does not exist');
          else ids.add(id);
        } else {
          const subscribed = id === '' ? app[all] : ids.has(id);
          if (!subscribed) throw new AriError(422, 'Event source was not subscribed to');
          if (id === '') app[all] = false;
          else ids.delete(id);
        }
      } else if (kind !== 'endpoint' && kind !== 'deviceState') {
        throw AriError.badRequest(`Invalid event source URI scheme '${kind}'`);
      }
    }
    this.forgetIfFinished(app);
    return app;
  }

  // ---- channels of the PBX's own calls (driven by the call scenarios) -------------------------

  createCallChannel(spec: CallChannelSpec): SimChannel {
    const channel = new SimChannel(this.nextUniqueId(), spec.name, 'call', {
      state: spec.state,
      dialplan: spec.dialplan,
      voices: spec.voices,
    });
    if (spec.caller) channel.caller = { ...spec.caller };
    if (spec.connected) channel.connected = { ...spec.connected };
    this.channels.set(channel.id, channel);
    this.emit('ChannelCreated', { channel });
    return channel;
  }

  enterDialplan(
    channel: SimChannel,
    app: string,
    appData: string,
    extra: Partial<Dialplan> = {},
  ): void {
    channel.dialplan = { ...channel.dialplan, ...extra, app_name: app, app_data: appData };
    this.emit('ChannelDialplan', {
      channel,
      fields: { dialplan_app: app, dialplan_app_data: appData },
    });
  }

  setCallerId(channel: SimChannel, caller: { name: string; number: string }): void {
    channel.caller = { ...caller };
    this.emitCallerId(channel);
  }

  private emitCallerId(channel: SimChannel): void {
    this.emit('ChannelCallerId', {
      channel,
      fields: {
        caller_presentation: 0,
        caller_presentation_txt: 'Presentation Allowed, Not Screened',
      },
    });
  }

  /**
   * What Dial does to the channel it has just requested, in one staged snapshot (app_dial.c,
   * dial_exec_full): names it AppDial "(Outgoing Line)" and gives it the dialling channel's exten;
   * as the channel driver set no caller id, its caller becomes that exten (with the dialling
   * channel's connected name): on a channel Asterisk dials, the caller id is the party at its far
   * end. Its connected line becomes the dialling channel's caller id. The one snapshot gives a
   * ChannelDialplan, a ChannelCallerId and, when the connected line changed, a
   * ChannelConnectedLine (res/stasis/app.c), each showing all of the change.
   */
  prepareDialledChannel(dialling: SimChannel, dialled: SimChannel): void {
    const connectedBefore = JSON.stringify(dialled.connected);
    dialled.dialplan = {
      ...dialled.dialplan,
      exten: dialling.dialplan.exten,
      app_name: 'AppDial',
      app_data: '(Outgoing Line)',
    };
    dialled.caller = { name: dialling.connected.name, number: dialling.dialplan.exten };
    dialled.connected = { ...dialling.caller };
    this.emit('ChannelDialplan', {
      channel: dialled,
      fields: { dialplan_app: 'AppDial', dialplan_app_data: '(Outgoing Line)' },
    });
    this.emitCallerId(dialled);
    if (JSON.stringify(dialled.connected) !== connectedBefore)
      this.emit('ChannelConnectedLine', { channel: dialled });
  }

  setState(channel: SimChannel, state: ChannelState): void {
    channel.state = state;
    this.emit('ChannelStateChange', { channel });
  }

  dial(caller: SimChannel, peer: SimChannel, dialstring: string, dialstatus: string): void {
    this.emit('Dial', {
      fields: { caller: caller.toJSON(), peer: peer.toJSON(), dialstring, dialstatus, forward: '' },
      channel: peer,
    });
  }

  // ---- channels through ARI -------------------------------------------------------------------

  channel(id: string): SimChannel {
    const channel = this.channels.get(id);
    if (!channel) throw AriError.notFound('Channel not found');
    return channel;
  }

  getVariable(channelId: string, variable: string | undefined): string {
    if (!variable) throw AriError.badRequest('Variable name is required');
    const channel = this.channel(channelId);
    const value = channel.variables.get(variable);
    if (value === undefined) throw AriError.notFound('Provided variable was not found');
    return value;
  }

  setVariable(channelId: string, variable: string | undefined, value: string): void {
    if (!variable) throw AriError.badRequest('Variable name is required');
    const channel = this.channel(channelId);
    channel.variables.set(variable, value);
    this.emit('ChannelVarset', { channel, fields: { variable, value } });
  }

  /**
   * A key pressed at the far end of a channel has been released: Asterisk tells apps that see
   * the channel only then (stasis_channels.c presents the end of received DTMF alone), with the
   * time the key was held.
   */
  receiveDtmf(channel: SimChannel, digit: string, durationMs: number): void {
    this.emit('ChannelDtmfReceived', { channel, fields: { digit, duration_ms: durationMs } });
  }

  /**
   * A fault: an event of any shape, sent as Asterisk sends events (timestamp, asterisk_id,
   * application) to the apps that see the channel, for testing how a client takes what a
   * broken or unfamiliar Asterisk might send; `fields` may replace even the channel's JSON.
   */
  injectEvent(type: string, channelId: string, fields: Record<string, unknown>): void {
    const channel = this.channel(channelId);
    this.emit(type, { channel, fields: { channel: channel.toJSON(), ...fields } });
  }

  private assertFreeChannelId(id: string | undefined): void {
    if (id !== undefined && (id === '' || this.channels.has(id))) throw AriError.internal();
  }

  /**
   * Puts a new channel of ours into its app: StasisStart now, before the reply, or later,
   * depending on the faults; a channel created for an app nobody listens to dies at once.
   */
  private enterStasis(channel: SimChannel, appName: string, args: string[]): Promise<void> | void {
    channel.pendingApp = appName;
    const enter = () => {
      if (channel.destroyed) return;
      if (!this.apps.get(appName)?.connections.size) {
        this.hangup(channel.id, 16);
        return;
      }
      channel.stasisApp = appName;
      channel.pendingApp = undefined;
      channel.stasisArgs = args;
      this.emit('StasisStart', { channel, toApp: appName, fields: { args } });
    };
    if (this.faults.stasisStartBeforeReply) return enter();
    const delay = this.faults.stasisStartDelayMs + this.stasisQueueWait();
    if (delay > 0) setTimeout(enter, delay);
    else setImmediate(enter);
  }

  /** How long a channel entering Stasis now waits behind the entries already queued. */
  private stasisQueueWait(): number {
    const cost = this.faults.stasisEntryMs;
    if (cost <= 0) return 0;
    const now = performance.now();
    this.stasisQueueFreeAt = Math.max(now, this.stasisQueueFreeAt) + cost;
    return this.stasisQueueFreeAt - now;
  }

  snoop(
    channelId: string,
    params: { spy?: string; whisper?: string; app?: string; appArgs?: string; snoopId?: string },
  ): SimChannel {
    if (!params.app) throw AriError.badRequest('app parameter is required');
    const spy = params.spy ?? 'none';
    const whisper = params.whisper ?? 'none';
    const directions = ['none', 'in', 'out', 'both'];
    if (!directions.includes(spy) || !directions.includes(whisper))
      throw AriError.badRequest('Invalid direction specified');
    if (spy === 'none' && whisper === 'none')
      throw AriError.badRequest('Sniff/Whisper direction is required');
    const spied = this.channels.get(channelId);
    if (!spied) throw AriError.notFound('Provided channel was not found');
    this.assertFreeChannelId(params.snoopId);

    const snoop = new SimChannel(
      params.snoopId ?? this.nextUniqueId(),
      `Snoop/${spied.id}-${randomHex(4)}`,
      'snoop',
      { state: 'Up' },
    );
    snoop.snoop = { spiedChannelId: spied.id, spy: spy as 'in' | 'out' | 'both' | 'none' };
    this.channels.set(snoop.id, snoop);
    this.emit('ChannelCreated', { channel: snoop });
    void this.enterStasis(snoop, params.app, params.appArgs ? params.appArgs.split(',') : []);
    return snoop;
  }

  async externalMedia(params: {
    app?: string;
    external_host?: string;
    format?: string;
    encapsulation?: string;
    transport?: string;
    connection_type?: string;
    direction?: string;
    channelId?: string;
    data?: string;
  }): Promise<SimChannel> {
    if (!params.app) throw AriError.badRequest('app cannot be empty');
    if (!params.external_host) throw AriError.badRequest('external_host cannot be empty');
    if (!params.format) throw AriError.badRequest('format cannot be empty');
    const encapsulation = (params.encapsulation ?? 'rtp').toLowerCase();
    const transport = (params.transport ?? 'udp').toLowerCase();
    const audioSocket = encapsulation === 'audiosocket' && transport === 'tcp';
    if (!audioSocket && (encapsulation !== 'rtp' || transport !== 'udp'))
      throw AriError.notImplemented('The encapsulation and/or transport is not supported');
    if (
      (params.connection_type ?? 'client') !== 'client' ||
      (params.direction ?? 'both') !== 'both'
    ) {
      throw AriError.badRequest('Invalid connection_type or direction');
    }
    if (audioSocket) {
      return this.audioSocketChannel({
        ...params,
        app: params.app,
        external_host: params.external_host,
        format: params.format,
      });
    }
    const [host, portText] = params.external_host.split(':');
    const port = Number(portText);
    // Asterisk resolves nothing here: a host name, like an unknown format, is an internal error.
    if (!isIPv4(host) || !Number.isInteger(port) || port < 1 || port > 65535)
      throw AriError.internal();
    if (!(EXTERNAL_MEDIA_FORMATS as readonly string[]).includes(params.format))
      throw AriError.internal();
    this.assertFreeChannelId(params.channelId);

    const local = await this.media.allocateLocalPort();
    const id = params.channelId ?? this.nextUniqueId();
    if (this.channels.has(id)) {
      this.media.releaseLocalPort(local.port);
      throw AriError.internal();
    }
    const channel = new SimChannel(
      id,
      `UnicastRTP/${host}:${port}-0x${randomHex(6)}`,
      'external_media',
    );
    channel.externalMedia = {
      host,
      port,
      format: params.format as ExternalMediaFormat,
      localAddress: local.address,
      localPort: local.port,
    };
    channel.variables.set('UNICASTRTP_LOCAL_ADDRESS', local.address);
    channel.variables.set('UNICASTRTP_LOCAL_PORT', String(local.port));
    channel.exposedVariables.add('UNICASTRTP_LOCAL_ADDRESS');
    channel.exposedVariables.add('UNICASTRTP_LOCAL_PORT');
    this.channels.set(channel.id, channel);
    this.emit('ChannelCreated', { channel });
    await this.enterStasis(channel, params.app, []);
    return channel;
  }

  /**
   * An externalMedia channel over AudioSocket, as Asterisk 18 makes one: `data` must be a UUID,
   * the TCP connection is made within the request (refused or unanswered: 500 "Allocation
   * failed", nothing created), and the channel is Up at once, its Stasis args the UUID.
   */
  private async audioSocketChannel(params: {
    app: string;
    external_host: string;
    format: string;
    channelId?: string;
    data?: string;
  }): Promise<SimChannel> {
    if (!this.audioSockets) {
      throw AriError.notImplemented('The encapsulation and/or transport is not supported');
    }
    const [host, portText] = params.external_host.split(':');
    const port = Number(portText);
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
      throw AriError.badRequest('external_host must be <host>:<port>');
    if (!(EXTERNAL_MEDIA_FORMATS as readonly string[]).includes(params.format))
      throw AriError.badRequest(`Provided format (${params.format}) was not found`);
    if (!params.data) throw AriError.badRequest('data can not be empty');
    const uuid = params.data;
    // chan_audiosocket checks it with uuid_parse before it connects.
    if (!isAudioSocketUuid(uuid)) throw AriError.allocationFailed();
    const format = params.format as ExternalMediaFormat;
    const id = params.channelId ?? this.nextUniqueId();
    const socket = await this.audioSockets.connect({ host, port });
    if (this.channels.has(id) || id === '') {
      // Connected already: the peer sees the connection open and close without a byte.
      socket.destroy();
      throw AriError.internal();
    }
    const channel = new SimChannel(id, `AudioSocket/${host}:${port}-${uuid}`, 'external_media', {
      state: 'Up',
    });
    channel.audioSocket = { host, port, uuid, format };
    channel.variables.set('AUDIOSOCKET_UUID', uuid);
    channel.variables.set('AUDIOSOCKET_SERVICE', `${host}:${port}`);
    channel.exposedVariables.add('AUDIOSOCKET_UUID');
    channel.exposedVariables.add('AUDIOSOCKET_SERVICE');
    this.channels.set(channel.id, channel);
    this.audioSockets.attach(id, socket, { uuid, format }, (cause) => {
      if (!channel.destroyed) this.hangup(id, cause, false);
    });
    this.emit('ChannelCreated', { channel });
    await this.enterStasis(channel, params.app, [uuid]);
    return channel;
  }

  /**
   * Hangs a channel up the way Asterisk does, including the snoops that spy on it. A snoop that
   * dies with its spied channel gets no ChannelHangupRequest, only leaves its bridge and ends.
   */
  hangup(channelId: string, cause = 16, requested = true): void {
    const channel = this.channel(channelId);
    if (channel.destroyed) return;
    if (requested) this.emit('ChannelHangupRequest', { channel, fields: { cause } });
    if (channel.bridgeId) this.leaveBridge(channel);
    if (channel.stasisApp) this.emit('StasisEnd', { channel, toApp: channel.stasisApp });
    channel.destroyed = true;
    this.channels.delete(channel.id);
    for (const app of this.apps.values()) app.channelIds.delete(channel.id);
    if (channel.externalMedia) {
      this.media.stopStream(channel.id);
      this.media.releaseLocalPort(channel.externalMedia.localPort);
    }
    if (channel.audioSocket) this.audioSockets?.close(channel.id);
    this.emit('ChannelDestroyed', { channel, fields: { cause, cause_txt: causeText(cause) } });

    // A snoop dies with the channel it spies on, just after it (as observed on Asterisk).
    const snoops = [...this.channels.values()].filter(
      (c) => c.snoop?.spiedChannelId === channel.id,
    );
    if (snoops.length > 0)
      setImmediate(() =>
        snoops.forEach((snoop) => !snoop.destroyed && this.hangup(snoop.id, 16, false)),
      );
  }

  // ---- bridges --------------------------------------------------------------------------------

  bridge(id: string): SimBridge {
    const bridge = this.bridges.get(id);
    if (!bridge) throw AriError.notFound('Bridge not found');
    return bridge;
  }

  createBridge(
    params: { type?: string; bridgeId?: string; name?: string },
    ownerApp?: string,
  ): SimBridge {
    const types = (params.type ?? 'mixing').split(',');
    if (
      !types.every((t) =>
        [
          'mixing',
          'holding',
          'dtmf_events',
          'proxy_media',
          'video_sfu',
          'video_single',
          'sdp_label',
        ].includes(t),
      )
    ) {
      throw AriError.badRequest('Invalid bridge type');
    }
    if (params.bridgeId !== undefined && this.bridges.has(params.bridgeId))
      throw AriError.internal();
    const bridge = new SimBridge(params.bridgeId, params.name ?? '', types.join(','), ownerApp);
    this.bridges.set(bridge.id, bridge);
    this.emit('BridgeCreated', { bridge });
    return bridge;
  }

  addChannels(bridgeId: string, channelIds: string[]): void {
    const bridge = this.bridge(bridgeId);
    if (channelIds.length === 0) throw AriError.badRequest('Missing parameter channel');
    const channels = channelIds.map((id) => this.channels.get(id));
    if (channels.some((c) => !c)) throw AriError.badRequest('Channel not found');
    if (channels.some((c) => !c?.stasisApp))
      throw new AriError(422, 'Channel not in Stasis application');
    for (const channel of channels as SimChannel[]) {
      // A channel already in another bridge moves silently, as on Asterisk.
      if (channel.bridgeId === bridge.id) continue;
      if (channel.bridgeId) this.leaveBridge(channel);
      channel.bridgeId = bridge.id;
      bridge.channels.add(channel.id);
      if (channel.kind === 'external_media' && channel.state !== 'Up') this.setState(channel, 'Up');
      this.emit('ChannelEnteredBridge', { bridge, channel });
    }
    this.refreshMedia(bridge);
  }

  removeChannels(bridgeId: string, channelIds: string[]): void {
    const bridge = this.bridge(bridgeId);
    if (channelIds.length === 0) throw AriError.badRequest('Missing parameter channel');
    const channels = channelIds.map((id) => this.channels.get(id));
    if (channels.some((c) => !c)) throw AriError.badRequest('Channel not found');
    if (channels.some((c) => !c?.stasisApp))
      throw new AriError(422, 'Channel not in Stasis application');
    if (channels.some((c) => c?.bridgeId !== bridge.id))
      throw new AriError(422, 'Channel not in this bridge');
    for (const channel of channels as SimChannel[]) this.leaveBridge(channel);
  }

  private leaveBridge(channel: SimChannel): void {
    const bridge = channel.bridgeId ? this.bridges.get(channel.bridgeId) : undefined;
    channel.bridgeId = undefined;
    if (!bridge) return;
    bridge.channels.delete(channel.id);
    this.emit('ChannelLeftBridge', { bridge, channel });
    this.refreshMedia(bridge);
    if (channel.audioSocket) this.audioSockets?.stopStream(channel.id);
    else if (channel.kind === 'external_media') this.media.stopStream(channel.id);
  }

  destroyBridge(bridgeId: string): void {
    const bridge = this.bridge(bridgeId);
    for (const id of [...bridge.channels]) {
      const channel = this.channels.get(id);
      if (channel) this.leaveBridge(channel);
    }
    this.bridges.delete(bridge.id);
    for (const app of this.apps.values()) app.bridgeIds.delete(bridge.id);
    this.emit('BridgeDestroyed', { bridge });
  }

  /** RTP flows from each externalMedia channel of a bridge that also holds a snoop. */
  private refreshMedia(bridge: SimBridge): void {
    const members = [...bridge.channels]
      .map((id) => this.channels.get(id))
      .filter((c): c is SimChannel => !!c);
    const voices = members.flatMap((c) => this.snoopVoices(c));
    for (const channel of members) {
      if (channel.audioSocket) {
        if (voices.length > 0) this.audioSockets?.startStream(channel.id, voices);
        else this.audioSockets?.stopStream(channel.id);
      }
      if (!channel.externalMedia) continue;
      if (voices.length > 0) this.media.startStream(channel.id, channel.externalMedia, voices);
      else this.media.stopStream(channel.id);
    }
  }

  private snoopVoices(channel: SimChannel): string[] {
    if (!channel.snoop) return [];
    const spied = this.channels.get(channel.snoop.spiedChannelId);
    if (!spied?.voices) return [];
    switch (channel.snoop.spy) {
      case 'in':
        return [spied.voices.in];
      case 'out':
        return [spied.voices.out];
      case 'both':
        return [spied.voices.in, spied.voices.out];
      default:
        return [];
    }
  }

  // ---- restart --------------------------------------------------------------------------------

  /** An Asterisk restart: every channel and bridge is gone at once, and the instance gets a new id. */
  restart(): void {
    for (const channel of this.channels.values()) {
      channel.destroyed = true;
      if (channel.externalMedia) {
        this.media.stopStream(channel.id);
        this.media.releaseLocalPort(channel.externalMedia.localPort);
      }
      if (channel.audioSocket) this.audioSockets?.close(channel.id);
    }
    this.channels.clear();
    this.bridges.clear();
    for (const app of this.apps.values())
      for (const connection of app.connections) connection.close(1001, 'Asterisk restarting');
    this.apps.clear();
    this.counter = 0;
    this.asteriskId = randomAsteriskId();
  }
}
