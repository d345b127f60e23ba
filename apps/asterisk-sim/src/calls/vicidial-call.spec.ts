import { AsteriskInstance, MediaPlane } from '../pbx/asterisk-instance';
import { CallPlan, VicidialCall } from './vicidial-call';
import { vicidialCallCode } from './vicidial-call-code';

const media: MediaPlane = {
  allocateLocalPort: async () => ({ address: '127.0.0.1', port: 1 }),
  releaseLocalPort: () => undefined,
  startStream: () => undefined,
  stopStream: () => undefined,
};

type Event = {
  type: string;
  channel?: {
    name: string;
    caller: { name: string; number: string };
    connected: { name: string; number: string };
    state: string;
    dialplan: { context: string; exten: string; app_name: string; app_data: string };
  };
  cause?: number;
  cause_txt?: string;
};

function watch(pbx: AsteriskInstance): Event[] {
  const events: Event[] = [];
  pbx
    .connectApp('watcher', false)
    .connections.add({ send: (json) => events.push(JSON.parse(json)), close: () => undefined });
  pbx.subscribe('watcher', ['channel:'], true);
  return events;
}

const plan = (overrides: Partial<CallPlan> = {}): CallPlan => ({
  type: 'outbound',
  number: '3125551234',
  leadId: 12345,
  campaign: 'SALES',
  agent: { user: '1001', phone: 'SIP/1001', room: '9600051', campaign: 'SALES' },
  disposition: 'SALE',
  dispositionDelayMs: 0,
  answered: true,
  ringMs: 5,
  talkMs: 5,
  hangupBy: 'customer',
  cause: 16,
  codeLayout: 'legacy',
  callCodeDelayMs: 5,
  ...overrides,
});

const label = (e: Event) => `${e.type}:${e.channel?.name.replace(/-[0-9a-f]{8}/, '') ?? ''}`;

describe('vicidialCallCode', () => {
  it('writes both layouts VICIdial uses', () => {
    const at = new Date(2026, 10, 24, 15, 3, 0);
    expect(vicidialCallCode('V', 12345, at, 'legacy')).toBe('V1124150300000012345');
    expect(vicidialCallCode('M', 12345, at, 'current')).toBe('M1241503000000012345');
    expect(vicidialCallCode('V', 12345, at, 'legacy')).toHaveLength(20);
    expect(vicidialCallCode('V', 12345, at, 'current')).toHaveLength(20);
  });
});

describe('VicidialCall', () => {
  it('plays an answered auto-dial call with the Local pair and the trunk, in Asterisk order', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const events = watch(pbx);
    const outcome = await new VicidialCall(pbx, plan()).run();

    expect(events.slice(0, 9).map(label)).toEqual([
      'ChannelCreated:Local/93125551234@default;1',
      'ChannelDialplan:Local/93125551234@default;1',
      'ChannelCreated:Local/93125551234@default;2',
      'ChannelDialplan:Local/93125551234@default;2',
      'ChannelCreated:SIP/carrier',
      'ChannelDialplan:SIP/carrier',
      'ChannelCallerId:SIP/carrier',
      'Dial:SIP/carrier',
      'ChannelStateChange:SIP/carrier',
    ]);
    // The call code is never in ChannelCreated; it comes with the caller id update and the Up.
    expect(
      events.filter((e) => e.type === 'ChannelCreated').every((e) => e.channel?.caller.name === ''),
    ).toBe(true);
    const up = events.find(
      (e) =>
        e.type === 'ChannelStateChange' &&
        e.channel?.state === 'Up' &&
        e.channel.name.startsWith('SIP/'),
    );
    expect(up?.channel?.caller.name).toBe(outcome.callCode);
    expect(outcome.callCode).toMatch(/^V\d{10}000012345$/);

    const destroyed = events.filter((e) => e.type === 'ChannelDestroyed');
    expect(destroyed.map(label)).toEqual([
      'ChannelDestroyed:SIP/carrier',
      'ChannelDestroyed:Local/93125551234@default;2',
      'ChannelDestroyed:Local/93125551234@default;1',
    ]);
    expect(destroyed[0]).toMatchObject({ cause: 16, cause_txt: 'Normal Clearing' });
    expect(outcome).toMatchObject({
      trunkChannelName: expect.stringMatching(/^SIP\/carrier-/),
      cause: 16,
    });
    expect(outcome.answeredAt).toBeGreaterThanOrEqual(outcome.startedAt);
    expect(pbx.channels.size).toBe(0);
  });

  it("shows the carrier channel as Asterisk's Dial leaves it: the Local's exten, also as its caller number", async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const events = watch(pbx);
    const outcome = await new VicidialCall(pbx, plan({ number: '13125550199' })).run();
    const carrier = events.filter((e) => e.channel?.name === outcome.trunkChannelName);

    expect(carrier[0]).toMatchObject({
      type: 'ChannelCreated',
      channel: {
        dialplan: { context: 'trunkinbound', exten: 's', app_name: '' },
        caller: { name: '', number: '' },
        connected: { name: '', number: '' },
      },
    });
    const dialled = {
      dialplan: { exten: '913125550199', app_name: 'AppDial', app_data: '(Outgoing Line)' },
      caller: { number: '913125550199' },
    };
    expect(carrier.find((e) => e.type === 'ChannelDialplan')?.channel).toMatchObject(dialled);
    expect(carrier.find((e) => e.type === 'ChannelCallerId')?.channel).toMatchObject(dialled);
    const up = carrier.find((e) => e.type === 'ChannelStateChange' && e.channel?.state === 'Up');
    expect(up?.channel).toMatchObject({
      ...dialled,
      caller: { name: outcome.callCode, number: '913125550199' },
    });
  });

  it('ends an unanswered call with its cause and no Up', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const events = watch(pbx);
    const outcome = await new VicidialCall(pbx, plan({ answered: false, cause: 19 })).run();
    expect(events.some((e) => e.channel?.state === 'Up')).toBe(false);
    expect(
      events.find((e) => e.type === 'ChannelDestroyed' && e.channel?.name.startsWith('SIP/')),
    ).toMatchObject({ cause: 19 });
    expect(outcome.answeredAt).toBeUndefined();
  });

  it('brings an inbound call in on the trunk first as chan_sip does: Down with the caller number, then Ring', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const events = watch(pbx);
    const outcome = await new VicidialCall(pbx, plan({ type: 'inbound', hangupBy: 'agent' })).run();
    expect(events.slice(0, 2)).toMatchObject([
      {
        type: 'ChannelCreated',
        channel: { state: 'Down', caller: { name: '', number: '3125551234' } },
      },
      { type: 'ChannelStateChange', channel: { state: 'Ring' } },
    ]);
    expect(outcome.callCode).toMatch(/^Y/);
  });

  it("names an inbound call after its answer, as VICIdial's inbound AGI does", async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const events = watch(pbx);
    const outcome = await new VicidialCall(pbx, plan({ type: 'inbound' })).run();
    const trunk = (e: Event) => e.channel?.name.startsWith('SIP/');
    const up = events.findIndex(
      (e) => trunk(e) && e.type === 'ChannelStateChange' && e.channel?.state === 'Up',
    );
    const named = events.findIndex(
      (e) =>
        trunk(e) && e.type === 'ChannelCallerId' && e.channel?.caller.name === outcome.callCode,
    );
    expect(up).toBeGreaterThanOrEqual(0);
    expect(events[up].channel?.caller.name).toBe('');
    expect(named).toBeGreaterThan(up);
  });

  it('ends cleanly when the Asterisk restarts mid-call', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const running = new VicidialCall(pbx, plan({ talkMs: 200 })).run();
    await new Promise((resolve) => setTimeout(resolve, 50));
    pbx.restart();
    await expect(running).resolves.toMatchObject({ cause: 0 });
  });

  it('sends a call on to an in-group agent on the same server: the same channel, renamed J then Y', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const events = watch(pbx);
    const closer = { user: '1002', phone: 'SIP/1002', room: '9600052', campaign: 'SUPPORT' };
    const outcome = await new VicidialCall(
      pbx,
      plan({ talkMs: 40, transfer: { afterMs: 10, inGroup: 'SUPPORT_LINE', agent: closer } }),
    ).run();
    const trunk = (e: Event) => e.channel?.name.startsWith('SIP/carrier');
    const names = events
      .filter((e) => e.type === 'ChannelCallerId' && trunk(e))
      .map((e) => e.channel?.caller.name.slice(0, 1));
    expect(names).toEqual(['', 'V', 'J', 'Y']);
    const codes = events
      .filter((e) => e.type === 'ChannelCallerId' && trunk(e) && e.channel?.caller.name)
      .map((e) => e.channel?.caller.name.slice(-9));
    expect(new Set(codes)).toEqual(new Set(['000012345']));
    // The Local pair goes with the redirect; the customer's channel ends only with the call.
    const destroyed = events.filter((e) => e.type === 'ChannelDestroyed').map(label);
    expect(destroyed.slice(0, 2).sort()).toEqual([
      'ChannelDestroyed:Local/93125551234@default;1',
      'ChannelDestroyed:Local/93125551234@default;2',
    ]);
    expect(destroyed.at(-1)).toBe('ChannelDestroyed:SIP/carrier');
    const rooms = events
      .filter((e) => trunk(e) && e.channel?.dialplan.app_name === 'ConfBridge')
      .map((e) => e.channel?.dialplan.exten);
    expect(rooms.at(-1)).toBe('9600052');
    expect(outcome.transferredAt).toBeDefined();
    expect(outcome.legs).toBeUndefined();
  });

  it('sends a call on to an in-group agent on another server through IAX2 legs that end with it', async () => {
    const pbx1 = new AsteriskInstance('pbx1', media);
    const pbx2 = new AsteriskInstance('pbx2', media);
    const there = watch(pbx2);
    const closer = { user: '1101', phone: 'SIP/1101', room: '9600051', campaign: 'SUPPORT' };
    const outcome = await new VicidialCall(
      pbx1,
      plan({
        talkMs: 40,
        transfer: { afterMs: 10, inGroup: 'SUPPORT_LINE', agent: closer, server: pbx2 },
      }),
    ).run();
    expect(outcome.legs?.map((leg) => [leg.server, leg.channelName.slice(0, 10)])).toEqual([
      ['pbx1', 'IAX2/pbx2-'],
      ['pbx2', 'IAX2/pbx1-'],
    ]);
    const arrived = there.find((e) => e.type === 'ChannelCreated');
    expect(arrived?.channel?.caller.name).toMatch(/^Y\d{9,10}0*12345$/);
    expect(there.filter((e) => e.type === 'ChannelDestroyed').map(label)).toEqual([
      'ChannelDestroyed:IAX2/pbx1',
    ]);
  });

  it('parks a call and grabs it back into the same room, on the same channel', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const events = watch(pbx);
    const outcome = await new VicidialCall(
      pbx,
      plan({ talkMs: 40, park: { afterMs: 5, forMs: 10 } }),
    ).run();
    const exten = events
      .filter((e) => e.type === 'ChannelDialplan' && e.channel?.name.startsWith('SIP/carrier'))
      .map((e) => e.channel?.dialplan.exten);
    expect(exten.slice(-2)).toEqual(['8301', '9600051']);
    // A 10 ms timer can end 9.x ms later by the wall clock (both round to the millisecond).
    expect((outcome.grabbedAt ?? 0) - (outcome.parkedAt ?? 0)).toBeGreaterThanOrEqual(9);
  });
});
