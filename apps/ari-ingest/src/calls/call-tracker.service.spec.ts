import type { CallEvent } from '@asb/contracts';
import type { AriChannel } from '../ari/ari-model';
import { channel, trackerWith } from './__tests__/tracker-harness';

const CALL_CODE = 'V1124150300000012345';

/**
 * A VICIdial auto-dial call's carrier channel as Asterisk shows it: created at exten s with no
 * caller id, then staged by Dial (from Local/913125550199@default-…;2) with the Local's exten as
 * its exten and caller number, and the Originate's caller id as its connected line.
 */
function playDialledCarrier(
  play: (type: string, channel: AriChannel) => void,
  presentedNumber: string,
): void {
  play('ChannelCreated', channel({ state: 'Down' }));
  const dialled = {
    dialplan: {
      context: 'trunkinbound',
      exten: '913125550199',
      priority: 1,
      app_name: 'AppDial',
    },
    caller: { name: CALL_CODE, number: '913125550199' },
    connected: { name: CALL_CODE, number: presentedNumber },
  };
  play('ChannelCallerId', channel({ state: 'Down', ...dialled }));
  play('ChannelStateChange', channel({ state: 'Ringing', ...dialled }));
  play('ChannelStateChange', channel({ state: 'Up', ...dialled }));
}

const numbersOf = (events: CallEvent[]) =>
  events.map((e) => ('calleeNumber' in e ? [e.event, e.callerNumber, e.calleeNumber] : [e.event]));

describe('CallTracker: the numbers of a call', () => {
  it("takes a dialled carrier channel's number from the Local's exten without VICIdial's dial prefix", () => {
    const { play, published } = trackerWith();
    playDialledCarrier(play, '');
    expect(numbersOf(published)).toEqual([
      ['started', undefined, '13125550199'],
      ['answered', undefined, '13125550199'],
    ]);
  });

  it('gives a dialled call the caller id it presents (its connected line) as the caller number', () => {
    const { play, published } = trackerWith();
    playDialledCarrier(play, '3125550000');
    expect(published.at(-1)).toMatchObject({
      event: 'answered',
      callerNumber: '3125550000',
      calleeNumber: '13125550199',
      vicidial: { callCode: CALL_CODE },
    });
  });

  it('cuts the configured dial prefix, leaving the exten whole when it has none of them', () => {
    const { play, published } = trackerWith({ VICIDIAL_DIAL_PREFIXES: '8,88' });
    playDialledCarrier(play, '');
    expect(published.at(-1)).toMatchObject({ calleeNumber: '913125550199' });
  });

  it('keeps the number an incoming call was called on while it moves through the dialplan', () => {
    const { play, published } = trackerWith();
    const arrived = {
      caller: { name: '', number: '3125550142' },
      dialplan: { context: 'trunkinbound', exten: '8005550100', priority: 1, app_name: '' },
    };
    play('ChannelCreated', channel({ state: 'Ring', ...arrived }));
    play(
      'ChannelStateChange',
      channel({
        state: 'Up',
        caller: arrived.caller,
        connected: { name: '', number: '8600051' },
        dialplan: { context: 'default', exten: '8600051', priority: 2, app_name: 'ConfBridge' },
      }),
    );
    expect(numbersOf(published)).toEqual([
      ['started', '3125550142', '8005550100'],
      ['answered', '3125550142', '8005550100'],
    ]);
  });
});

describe('CallTracker: channel ids', () => {
  it('follows the calls of an Asterisk whose systemname prefixes every uniqueid', () => {
    const { play, published } = trackerWith();
    play('ChannelCreated', channel({ id: 'vici-1796309201.20', state: 'Ring' }));
    play('ChannelStateChange', channel({ id: 'vici-1796309201.20', state: 'Up' }));
    expect(published.map((e) => [e.event, e.callId])).toEqual([
      ['started', 'pbx1-vici-1796309201-20'],
      ['answered', 'pbx1-vici-1796309201-20'],
    ]);
  });
});

describe('CallTracker: agent phones', () => {
  const AGENT_LOGIN_CODE = 'S2612031430009600051';
  /** An agent's login as VICIdial makes it: its phone called into the agent's ConfBridge room. */
  function playAgentLogin(play: (type: string, channel: AriChannel) => void): void {
    const phone = { id: '1795533218.20', name: 'SIP/1001-00000014' };
    const login = { caller: { name: AGENT_LOGIN_CODE, number: '0000000000' } };
    play('ChannelCreated', channel({ ...phone, state: 'Down' }));
    play('ChannelCallerId', channel({ ...phone, state: 'Down', ...login }));
    play('ChannelStateChange', channel({ ...phone, state: 'Ringing', ...login }));
    play('ChannelStateChange', channel({ ...phone, state: 'Up', ...login }));
    play(
      'ChannelDialplan',
      channel({
        ...phone,
        state: 'Up',
        ...login,
        dialplan: { context: 'default', exten: '29600051', priority: 1, app_name: 'ConfBridge' },
      }),
    );
  }

  it('never takes an agent phone called into its room at login for a call', () => {
    const { play, published } = trackerWith();
    playAgentLogin(play);
    expect(published).toEqual([]);
  });

  it('tells agent phones by a channel name pattern too, for sites that overwrite the caller id', () => {
    const { play, published } = trackerWith({ AGENT_PHONE_PATTERN: '^SIP/1[0-9]{3}-' });
    play(
      'ChannelCreated',
      channel({ id: '1795533218.30', name: 'SIP/1002-0000001e', state: 'Ring' }),
    );
    play(
      'ChannelCreated',
      channel({ id: '1795533218.31', name: 'SIP/carrier-0000001f', state: 'Ring' }),
    );
    expect(published.map((e) => e.event)).toEqual(['started']);
  });
});

describe('CallTracker: direction', () => {
  it('takes a chan_sip call coming in (created Down with its caller id, then Ring) for inbound', () => {
    const { play, published } = trackerWith();
    const incoming = {
      caller: { name: '', number: '3125550142' },
      dialplan: { context: 'trunkinbound', exten: '8005550100', priority: 1, app_name: '' },
    };
    play('ChannelCreated', channel({ state: 'Down', ...incoming }), '2026-12-03T10:00:00.000+0000');
    play('ChannelStateChange', channel({ state: 'Ring', ...incoming }));
    expect(published).toMatchObject([
      { event: 'started', direction: 'inbound', occurredAt: '2026-12-03T10:00:00.000Z' },
    ]);
  });

  it('takes a call first seen answered (a channel list beat its events) by who created it', () => {
    const { play, published } = trackerWith();
    const answered = { state: 'Up', caller: { name: '', number: '3125550142' } };
    play(
      'ChannelStateChange',
      channel({
        ...answered,
        id: '1795533218.40',
        dialplan: { context: 'default', exten: '9600051', priority: 1, app_name: 'ConfBridge' },
      }),
    );
    play(
      'ChannelStateChange',
      channel({
        ...answered,
        id: '1795533218.41',
        name: 'SIP/carrier-00000029',
        dialplan: {
          context: 'trunkinbound',
          exten: '913125550199',
          priority: 1,
          app_name: 'AppDial',
        },
      }),
    );
    expect(published.filter((e) => e.event === 'started')).toMatchObject([
      { channelId: '1795533218.40', direction: 'inbound' },
      { channelId: '1795533218.41', direction: 'outbound' },
    ]);
  });

  it('takes a channel Dial staged for an outbound call, from the time it was created', () => {
    const { play, published } = trackerWith();
    play('ChannelCreated', channel({ state: 'Down' }), '2026-12-03T10:00:00.000+0000');
    play(
      'ChannelCallerId',
      channel({
        state: 'Down',
        caller: { name: '', number: '913125550199' },
        dialplan: {
          context: 'trunkinbound',
          exten: '913125550199',
          priority: 1,
          app_name: 'AppDial',
        },
      }),
    );
    expect(published).toMatchObject([
      { event: 'started', direction: 'outbound', occurredAt: '2026-12-03T10:00:00.000Z' },
    ]);
  });
});
