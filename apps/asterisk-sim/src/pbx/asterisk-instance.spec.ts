import { typeKeys } from '../calls/keypad';
import { AriError } from './ari-error';
import { AsteriskInstance, MediaPlane } from './asterisk-instance';
import type { ExternalMediaEndpoint } from './sim-channel';
import type { AppConnection } from './stasis-application';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- ARI event JSON

/** Records what the PBX asks of the RTP side; the real sender is tested on its own. */
class RecordingMediaPlane implements MediaPlane {
  readonly streams = new Map<string, { endpoint: ExternalMediaEndpoint; voices: string[] }>();
  private port = 30000;
  async allocateLocalPort() {
    return { address: '127.0.0.1', port: this.port++ };
  }
  releaseLocalPort(): void {
    // ports are never reused by this fake
  }
  startStream(channelId: string, endpoint: ExternalMediaEndpoint, voices: string[]): void {
    this.streams.set(channelId, { endpoint, voices });
  }
  stopStream(channelId: string): void {
    this.streams.delete(channelId);
  }
}

function connect(pbx: AsteriskInstance, app: string, options: { subscribeAll?: boolean } = {}) {
  const events: Event[] = [];
  let closed = false;
  const connection: AppConnection = {
    send: (json) => events.push(JSON.parse(json)),
    close: () => {
      closed = true;
    },
  };
  pbx.connectApp(app, options.subscribeAll ?? false).connections.add(connection);
  return {
    events,
    types: () =>
      events.map((e) => `${e.type}${e.channel ? `:${e.channel.name.split('-')[0]}` : ''}`),
    isClosed: () => closed,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function trunk(pbx: AsteriskInstance) {
  const channel = pbx.createCallChannel({
    name: 'SIP/carrier-0000001a',
    voices: { in: 'caller', out: 'agent' },
  });
  pbx.setCallerId(channel, { name: '', number: '3125551234' });
  return channel;
}

async function tap(pbx: AsteriskInstance, callId: string, spy: 'in' | 'out') {
  const snoop = pbx.snoop(callId, { spy, app: 'bridge', snoopId: `asb-snoop-${spy}` });
  const em = await pbx.externalMedia({
    app: 'bridge',
    external_host: '127.0.0.1:40000',
    format: 'ulaw',
    channelId: `asb-em-${spy}`,
  });
  await tick();
  const bridge = pbx.createBridge({ type: 'mixing', bridgeId: `asb-br-${spy}` });
  pbx.addChannels(bridge.id, [snoop.id, em.id]);
  return { snoop, em, bridge };
}

describe('AsteriskInstance', () => {
  let media: RecordingMediaPlane;
  let pbx: AsteriskInstance;

  beforeEach(() => {
    media = new RecordingMediaPlane();
    pbx = new AsteriskInstance('pbx1', media);
  });

  it('shows dialplan channels only to an app subscribed to them', () => {
    const quiet = connect(pbx, 'quiet');
    const watcher = connect(pbx, 'bridge');
    pbx.subscribe('bridge', ['channel:', 'bridge:'], true);
    trunk(pbx);
    expect(quiet.events).toEqual([]);
    expect(watcher.types()).toEqual(['ChannelCreated:SIP/carrier', 'ChannelCallerId:SIP/carrier']);
  });

  it('prefixes every uniqueid with the systemname when one is set, as asterisk.conf does', () => {
    const named = new AsteriskInstance('pbx1', media, 'vici');
    expect(named.createCallChannel({ name: 'SIP/carrier-00000001' }).id).toMatch(
      /^vici-[0-9]{10}\.1$/,
    );
    expect(pbx.createCallChannel({ name: 'SIP/carrier-00000002' }).id).toMatch(/^[0-9]{10}\.1$/);
  });

  it('stages a channel Dial requested as app_dial does: the dialling exten as its exten and caller number', () => {
    const watcher = connect(pbx, 'bridge', { subscribeAll: true });
    const dialling = pbx.createCallChannel({
      name: 'Local/913125550123@default-0000000a;2',
      dialplan: { context: 'default', exten: '913125550123' },
      caller: { name: 'V1124150300000012345', number: '3125550000' },
      connected: { name: 'Sales line', number: '' },
    });
    const carrier = pbx.createCallChannel({
      name: 'SIP/carrier-0000000b',
      dialplan: { context: 'trunkinbound' },
    });
    watcher.events.length = 0;

    pbx.prepareDialledChannel(dialling, carrier);

    expect(watcher.events.map((e) => e.type)).toEqual([
      'ChannelDialplan',
      'ChannelCallerId',
      'ChannelConnectedLine',
    ]);
    for (const event of watcher.events) {
      expect(event.channel).toMatchObject({
        dialplan: {
          context: 'trunkinbound',
          exten: '913125550123',
          app_name: 'AppDial',
          app_data: '(Outgoing Line)',
        },
        caller: { name: 'Sales line', number: '913125550123' },
        connected: { name: 'V1124150300000012345', number: '3125550000' },
      });
    }
  });

  it('formats events as Asterisk does', () => {
    const watcher = connect(pbx, 'bridge', { subscribeAll: true });
    const channel = trunk(pbx);
    const [created] = watcher.events;
    expect(created).toMatchObject({
      type: 'ChannelCreated',
      application: 'bridge',
      asterisk_id: pbx.asteriskId,
      channel: { id: channel.id, state: 'Down' },
    });
    expect(created.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(created.channel.id).toMatch(/^\d+\.\d+$/);
    expect(Object.keys(created.channel).sort()).toEqual([
      'accountcode',
      'caller',
      'connected',
      'creationtime',
      'dialplan',
      'id',
      'language',
      'name',
      'protocol_id',
      'state',
    ]);
    expect(pbx.asteriskId).toMatch(/^02(:[0-9a-f]{2}){5}$/);
  });

  it('applies the eventFilter to what an app receives', () => {
    const watcher = connect(pbx, 'bridge');
    pbx.subscribe('bridge', ['channel:'], true);
    pbx.application('bridge').filter = {
      allowed: [{ type: 'ChannelCreated' }, { type: 'ChannelDestroyed' }],
      disallowed: [],
    };
    const channel = trunk(pbx);
    pbx.setState(channel, 'Up');
    pbx.hangup(channel.id, 16);
    expect(watcher.events.map((e) => e.type)).toEqual(['ChannelCreated', 'ChannelDestroyed']);
  });

  it('reports each key typed on a channel when released, to the apps that see it, as Asterisk does', async () => {
    const quiet = connect(pbx, 'quiet');
    const watcher = connect(pbx, 'bridge');
    pbx.subscribe('bridge', ['channel:'], true);
    const channel = trunk(pbx);
    watcher.events.length = 0;
    const startedAt = Date.now();
    const typing = typeKeys(pbx, channel.id, { digits: '4#', durationMs: 60, gapMs: 0 });
    // Asterisk says nothing when a key goes down (stasis_channels.c presents DTMF end only).
    expect(watcher.events).toEqual([]);
    expect(await typing).toBe(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(110);
    expect(watcher.events).toEqual(
      ['4', '#'].map((digit) => ({
        type: 'ChannelDtmfReceived',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/),
        digit,
        duration_ms: 60,
        channel: expect.objectContaining({ id: channel.id, name: channel.name }),
        asterisk_id: pbx.asteriskId,
        application: 'bridge',
      })),
    );
    // dtmf_end_to_json's order, then what the app layer adds.
    expect(Object.keys(watcher.events[0])).toEqual([
      'type',
      'timestamp',
      'digit',
      'duration_ms',
      'channel',
      'asterisk_id',
      'application',
    ]);
    expect(quiet.events).toEqual([]);
    pbx.hangup(channel.id, 16);
    expect(await typeKeys(pbx, channel.id, { digits: '1', durationMs: 40, gapMs: 0 })).toBe(0);
  });

  it('sends an injected event of any shape as it sends its own, to the apps that see the channel', () => {
    const watcher = connect(pbx, 'bridge');
    pbx.subscribe('bridge', ['channel:'], true);
    const channel = trunk(pbx);
    watcher.events.length = 0;
    pbx.injectEvent('ChannelDtmfReceived', channel.id, { digit: 42, channel: 'not a channel' });
    expect(watcher.events).toEqual([
      expect.objectContaining({
        type: 'ChannelDtmfReceived',
        digit: 42,
        channel: 'not a channel',
        application: 'bridge',
      }),
    ]);
    expect(() => pbx.injectEvent('ChannelDtmfReceived', 'no-such-channel', {})).toThrow(AriError);
  });

  it('refuses bad snoops and externalMedia with Asterisk status codes', async () => {
    connect(pbx, 'bridge');
    const channel = trunk(pbx);
    const status = async (fn: () => unknown) => {
      try {
        await fn();
      } catch (error) {
        return (error as AriError).status;
      }
      return 200;
    };
    expect(await status(() => pbx.snoop('1.999', { spy: 'in', app: 'bridge' }))).toBe(404);
    expect(await status(() => pbx.snoop(channel.id, { spy: 'sideways', app: 'bridge' }))).toBe(400);
    expect(await status(() => pbx.snoop(channel.id, { spy: 'in' }))).toBe(400);
    expect(
      await status(() => pbx.snoop(channel.id, { spy: 'in', app: 'bridge', snoopId: channel.id })),
    ).toBe(500);
    expect(
      await status(() =>
        pbx.externalMedia({ app: 'bridge', external_host: 'localhost:4000', format: 'ulaw' }),
      ),
    ).toBe(500);
    expect(
      await status(() =>
        pbx.externalMedia({ app: 'bridge', external_host: '127.0.0.1:4000', format: 'opus' }),
      ),
    ).toBe(500);
    expect(await status(() => pbx.externalMedia({ app: 'bridge', format: 'ulaw' }))).toBe(400);
    await pbx.externalMedia({
      app: 'bridge',
      external_host: '127.0.0.1:4000',
      format: 'ulaw',
      channelId: 'em-1',
    });
    expect(
      await status(() =>
        pbx.externalMedia({
          app: 'bridge',
          external_host: '127.0.0.1:4000',
          format: 'ulaw',
          channelId: 'em-1',
        }),
      ),
    ).toBe(500);
  });

  it('creates snoop and externalMedia channels as Asterisk names and describes them', async () => {
    const watcher = connect(pbx, 'bridge');
    const channel = trunk(pbx);
    const snoop = pbx.snoop(channel.id, { spy: 'in', app: 'bridge', appArgs: 'a,b' });
    const em = await pbx.externalMedia({
      app: 'bridge',
      external_host: '127.0.0.1:40000',
      format: 'slin16',
    });
    await tick();
    expect(snoop.name).toMatch(new RegExp(`^Snoop/${channel.id.replace('.', '\\.')}-[0-9a-f]{8}$`));
    expect(snoop.state).toBe('Up');
    expect(em.name).toMatch(/^UnicastRTP\/127\.0\.0\.1:40000-0x[0-9a-f]+$/);
    expect(em.toJSON()).toMatchObject({
      state: 'Down',
      channelvars: { UNICASTRTP_LOCAL_ADDRESS: '127.0.0.1', UNICASTRTP_LOCAL_PORT: '30000' },
    });
    const starts = watcher.events.filter((e) => e.type === 'StasisStart');
    expect(starts.map((e) => [e.channel.id, e.args])).toEqual([
      [snoop.id, ['a', 'b']],
      [em.id, []],
    ]);
  });

  it('answers 422 to an addChannel before StasisStart, and bridges after it', async () => {
    connect(pbx, 'bridge');
    pbx.faults = { ...pbx.faults, stasisStartDelayMs: 50 };
    const channel = trunk(pbx);
    const snoop = pbx.snoop(channel.id, { spy: 'in', app: 'bridge' });
    const bridge = pbx.createBridge({ type: 'mixing' });
    expect(() => pbx.addChannels(bridge.id, [snoop.id])).toThrow(
      expect.objectContaining({ status: 422 }),
    );
    expect(() => pbx.addChannels(bridge.id, ['1.404'])).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    expect(() => pbx.addChannels('nope', [snoop.id])).toThrow(
      expect.objectContaining({ status: 404 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 80));
    pbx.addChannels(bridge.id, [snoop.id]);
    expect(bridge.channels.has(snoop.id)).toBe(true);
  });

  it('sends StasisStart before the reply when told to', () => {
    const watcher = connect(pbx, 'bridge');
    pbx.faults = { ...pbx.faults, stasisStartBeforeReply: true };
    const snoop = pbx.snoop(trunk(pbx).id, { spy: 'in', app: 'bridge' });
    expect(watcher.events.find((e) => e.type === 'StasisStart')?.channel.id).toBe(snoop.id);
  });

  it('kills a snoop created for an app nobody listens to', async () => {
    const snoop = pbx.snoop(trunk(pbx).id, { spy: 'in', app: 'absent' });
    await tick();
    expect(pbx.channels.has(snoop.id)).toBe(false);
  });

  it('moves a channel that is already in another bridge, silently', async () => {
    connect(pbx, 'bridge');
    const { snoop, bridge } = await tap(pbx, trunk(pbx).id, 'in');
    const other = pbx.createBridge({ bridgeId: 'other' });
    pbx.addChannels(other.id, [snoop.id]);
    expect([bridge.channels.has(snoop.id), other.channels.has(snoop.id)]).toEqual([false, true]);
  });

  it('starts RTP when a snoop and an externalMedia channel share a bridge, with the spied direction', async () => {
    connect(pbx, 'bridge');
    const call = trunk(pbx);
    const caller = await tap(pbx, call.id, 'in');
    const agent = await tap(pbx, call.id, 'out');
    expect(media.streams.get(caller.em.id)?.voices).toEqual(['caller']);
    expect(media.streams.get(agent.em.id)?.voices).toEqual(['agent']);
    expect(media.streams.get(caller.em.id)?.endpoint).toMatchObject({
      host: '127.0.0.1',
      port: 40000,
      format: 'ulaw',
    });
  });

  it('on the call hangup ends the snoops but leaves externalMedia channels and bridges to the app', async () => {
    const watcher = connect(pbx, 'bridge');
    pbx.subscribe('bridge', ['channel:', 'bridge:'], true);
    const call = trunk(pbx);
    const { snoop, em, bridge } = await tap(pbx, call.id, 'in');
    watcher.events.length = 0;

    pbx.hangup(call.id, 16);
    await tick();
    expect(watcher.types()).toEqual([
      'ChannelHangupRequest:SIP/carrier',
      'ChannelDestroyed:SIP/carrier',
      'ChannelLeftBridge:Snoop/' + call.id,
      'StasisEnd:Snoop/' + call.id,
      'ChannelDestroyed:Snoop/' + call.id,
    ]);
    expect(watcher.events[1]).toMatchObject({ cause: 16, cause_txt: 'Normal Clearing' });
    expect(pbx.channels.has(snoop.id)).toBe(false);
    expect(pbx.channels.has(em.id)).toBe(true);
    expect(pbx.bridges.has(bridge.id)).toBe(true);
    expect(media.streams.has(em.id)).toBe(false);
  });

  it('keeps Stasis channels when the app disconnects, and loses everything on a restart', async () => {
    const watcher = connect(pbx, 'bridge');
    const { em } = await tap(pbx, trunk(pbx).id, 'in');
    const app = pbx.application('bridge');
    app.connections.clear();
    pbx.disconnectApp(app);
    expect(pbx.apps.has('bridge')).toBe(false);
    expect(pbx.channels.has(em.id)).toBe(true);

    connect(pbx, 'bridge');
    const before = pbx.asteriskId;
    pbx.restart();
    expect(pbx.asteriskId).not.toBe(before);
    expect(pbx.channels.size).toBe(0);
    expect(pbx.bridges.size).toBe(0);
    expect(watcher.isClosed()).toBe(false);
  });

  it('validates subscriptions', () => {
    connect(pbx, 'bridge');
    expect(() => pbx.subscribe('nope', ['channel:'], true)).toThrow(
      expect.objectContaining({ status: 404 }),
    );
    expect(() => pbx.subscribe('bridge', ['channel:1.404'], true)).toThrow(
      expect.objectContaining({ status: 422 }),
    );
    expect(() => pbx.subscribe('bridge', ['mailbox:x'], true)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    expect(pbx.subscribe('bridge', ['channel:', 'bridge:'], true)).toMatchObject({
      allChannels: true,
      allBridges: true,
    });
  });
});
