import { CallEvent, deterministicEventId, SCHEMA_VERSION } from '@asb/contracts';
import type { CallChange, LiveCall } from './live-call';
import { FORGET_UNTAPPED_AFTER_MS, LiveCallsRegistry } from './live-calls.registry';

const base = (callId: string, event: string) => ({
  schemaVersion: SCHEMA_VERSION,
  eventId: deterministicEventId(callId, event),
  occurredAt: new Date().toISOString(),
  callId,
  server: 'pbx1',
  channelId: '1.2',
  channelName: 'SIP/x-1',
});

const started = (callId: string): CallEvent => ({
  ...base(callId, 'started'),
  event: 'started',
  direction: 'inbound',
  channelState: 'Ring',
  callerNumber: '+1555',
});
const tapped = (callId: string): CallEvent => ({
  ...base(callId, 'tap_started'),
  event: 'tap_started',
  track: 'caller',
  codec: 'ulaw',
  sampleRate: 8000,
  gateway: { gatewayId: 'g', host: '127.0.0.1', port: 4000 },
  snoopChannelId: 's',
  externalMediaChannelId: 'e',
  bridgeId: 'b',
});
const ended = (callId: string): CallEvent => ({
  ...base(callId, 'ended'),
  event: 'ended',
  cause: 16,
  causeText: 'Normal Clearing',
});

describe('LiveCallsRegistry', () => {
  it('stays quiet during the replay, then hands over only the calls still live', () => {
    const registry = new LiveCallsRegistry();
    const heard: Array<[string, CallChange]> = [];
    let resynced: LiveCall[] = [];
    registry.listen({
      callChanged: (call, change) => heard.push([call.callId, change]),
      resync: (calls) => (resynced = [...calls]),
    });
    for (const event of [started('a'), tapped('a'), started('b'), tapped('b'), ended('a')]) {
      registry.apply(event);
    }
    expect(heard).toEqual([]);
    registry.markCaughtUp();
    expect(resynced.map((call) => call.callId)).toEqual(['b']);
    registry.apply({
      ...base('b', 'updated'),
      event: 'updated',
      vicidial: { callCode: 'V1', campaign: 'C1' },
    });
    registry.apply(ended('b'));
    expect(heard).toEqual([
      ['b', 'metadata'],
      ['b', 'ended'],
    ]);
    expect(registry.size).toBe(0);
  });

  it("takes a disposition from VICIdial's log for a live call and never makes one of it", () => {
    const registry = new LiveCallsRegistry(60 * 60_000);
    const disposition = (callId: string): CallEvent => ({
      ...base(callId, 'disposition'),
      event: 'disposition',
      vicidial: { callCode: 'V1124150300000012345', campaign: 'SALES', status: 'SALE' },
    });
    registry.apply(disposition('gone'));
    expect(registry.size).toBe(0);
    registry.apply(started('live'));
    registry.apply(disposition('live'));
    expect(registry.get('live')?.vicidial).toMatchObject({ campaign: 'SALES', status: 'SALE' });
  });

  it('tells of key presses heard live only, and never makes a call of one', () => {
    const registry = new LiveCallsRegistry();
    const heard: Array<[string, CallChange]> = [];
    registry.listen({
      callChanged: (call, change) => heard.push([call.callId, change]),
      resync: () => undefined,
    });
    const press = (callId: string, index: number, digit?: string): CallEvent => ({
      ...base(callId, `dtmf-${index}`),
      event: 'dtmf',
      track: 'caller',
      ...(digit === undefined ? {} : { digit }),
      masked: digit === undefined,
      durationMs: 90,
      index,
    });
    registry.apply(started('a'));
    registry.apply(press('a', 1, '4'));
    registry.markCaughtUp();
    expect(registry.get('a')?.keyPresses).toBe(0);
    registry.apply(press('a', 2));
    registry.apply(press('nobody', 1, '7'));
    expect(heard).toEqual([['a', 'keypress']]);
    expect(registry.get('a')).toMatchObject({
      keyPresses: 1,
      lastKeyPress: { track: 'caller', digit: undefined, durationMs: 90 },
    });
    expect(registry.get('nobody')).toBeUndefined();
  });

  it('forgets calls whose end it never saw', () => {
    let now = 0;
    const registry = new LiveCallsRegistry(60 * 60_000, () => now);
    registry.apply(started('untapped'));
    registry.apply(started('tapped'));
    registry.apply(tapped('tapped'));
    now = FORGET_UNTAPPED_AFTER_MS + 1;
    expect(registry.sweep()).toBe(1);
    expect(registry.get('tapped')).toBeDefined();
    now = 60 * 60_000 + 1;
    expect(registry.sweep()).toBe(1);
    expect(registry.size).toBe(0);
  });
});
