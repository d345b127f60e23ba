import { assertCallId, callIdFromChannel, isValidCallId } from './call-id';
import { deterministicEventId, randomEventId } from './event-id';

describe('callIdFromChannel', () => {
  it('maps an Asterisk uniqueid to one subject token, the same every time', () => {
    expect(callIdFromChannel('pbx1', '1732451234.56')).toBe('pbx1-1732451234-56');
    expect(callIdFromChannel('pbx1', '1732451234.56')).toBe(
      callIdFromChannel('pbx1', '1732451234.56'),
    );
    expect(isValidCallId(callIdFromChannel('pbx-2_b', '1732451234.56'))).toBe(true);
  });

  it('takes uniqueids of an Asterisk with a systemname, which prefixes every uniqueid', () => {
    expect(callIdFromChannel('pbx1', 'vici-1796309201.20')).toBe('pbx1-vici-1796309201-20');
    expect(callIdFromChannel('pbx1', 'dialer-2-1796309201.20')).toBe('pbx1-dialer-2-1796309201-20');
    expect(callIdFromChannel('pbx1', 'vici-1796309201.20')).not.toBe(
      callIdFromChannel('pbx1', 'vici-1796309201.21'),
    );
  });

  it('makes a systemname no subject token could hold into one, and keeps it unique per call', () => {
    for (const systemName of ['vici.box', 'call center', 'ü*>', 'x'.repeat(150)]) {
      const first = callIdFromChannel('pbx-1_b'.padEnd(40, 'b'), `${systemName}-1796309201.20`);
      const second = callIdFromChannel('pbx-1_b'.padEnd(40, 'b'), `${systemName}-1796309201.21`);
      expect(isValidCallId(first)).toBe(true);
      expect(first).not.toBe(second);
    }
    expect(callIdFromChannel('pbx1', 'vici.box-1796309201.20')).toBe('pbx1-vici_box-1796309201-20');
  });

  it('keeps calls of different servers apart', () => {
    expect(callIdFromChannel('pbx1', '1732451234.56')).not.toBe(
      callIdFromChannel('pbx2', '1732451234.56'),
    );
  });

  it.each([
    ['pbx.1', '1732451234.56'],
    ['pbx 1', '1732451234.56'],
    ['', '1732451234.56'],
    ['pbx1', '1732451234.56.7'],
    ['pbx1', 'Snoop/abc'],
    ['pbx1', 'vici-'],
    ['pbx1', '-1732451234.56'],
    ['pbx1', ''],
  ])('rejects server %j with channel %j', (server, channel) => {
    expect(() => callIdFromChannel(server, channel)).toThrow(/invalid_call_id/);
  });

  it('asserts call ids with a message that says what is allowed', () => {
    expect(assertCallId('abc-1')).toBe('abc-1');
    expect(() => assertCallId('a.b')).toThrow(/\[A-Za-z0-9_-\]/);
    expect(() => assertCallId(42)).toThrow(/invalid_call_id/);
  });
});

describe('event ids', () => {
  it('derives the same id for the same fact and different ids for different facts', () => {
    const a = deterministicEventId('c1', 'started');
    expect(a).toBe(deterministicEventId('c1', 'started'));
    expect(a).not.toBe(deterministicEventId('c1', 'ended'));
    expect(deterministicEventId('c1', 'tap_started', 'caller', 1)).not.toBe(
      deterministicEventId('c1', 'tap_started', 'caller', 2),
    );
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('does not let token boundaries collide', () => {
    expect(deterministicEventId('ab', 'c')).not.toBe(deterministicEventId('a', 'bc'));
  });

  it('makes random ids unique', () => {
    expect(new Set(Array.from({ length: 1000 }, randomEventId)).size).toBe(1000);
  });
});
