import { readAriEvent } from './ari-model';

describe('readAriEvent', () => {
  const channel = { id: '1732451234.56', name: 'SIP/carrier-0001', state: 'Up' };

  it('accepts an Asterisk event and keeps every field', () => {
    const event = readAriEvent(
      JSON.stringify({
        type: 'ChannelDestroyed',
        cause: 16,
        cause_txt: 'Normal Clearing',
        channel,
        extra: 1,
      }),
    );
    expect(event).toMatchObject({ type: 'ChannelDestroyed', cause: 16, channel, extra: 1 });
  });

  it.each([
    ['not json', 'malformed_json'],
    ['[1,2]', 'missing_type'],
    ['{"type": 5}', 'missing_type'],
    ['{"type":"ChannelCreated","channel":{"id":1}}', 'malformed_channel'],
    ['{"type":"ChannelCreated","channel":"x"}', 'malformed_channel'],
    [
      '{"type":"ChannelDestroyed","cause":"16","channel":{"id":"1.1","name":"x","state":"Up"}}',
      'malformed_cause',
    ],
    ...[
      { channel, duration_ms: 100 },
      { channel, digit: '12', duration_ms: 100 },
      { channel, digit: 'X', duration_ms: 100 },
      { channel, digit: 5, duration_ms: 100 },
      { channel, digit: '5', duration_ms: -1 },
      { channel, digit: '5', duration_ms: '100' },
      { digit: '5', duration_ms: 100 },
    ].map((fields) => [
      JSON.stringify({ type: 'ChannelDtmfReceived', ...fields }),
      'malformed_dtmf',
    ]),
  ])('refuses %s as %s', (text, reason) => {
    expect(readAriEvent(text)).toEqual({ invalid: reason });
  });

  it('accepts a key press as Asterisk reports it', () => {
    const press = {
      type: 'ChannelDtmfReceived',
      timestamp: '2026-12-04T22:00:01.123+0000',
      digit: '#',
      duration_ms: 120,
      channel,
      asterisk_id: '02:fc:00:00:00:01',
      application: 'bridge',
    };
    expect(readAriEvent(JSON.stringify(press))).toEqual(press);
  });

  it('accepts events of types it does not know, without a channel', () => {
    expect(readAriEvent('{"type":"DeviceStateChanged","device_state":{}}')).toMatchObject({
      type: 'DeviceStateChanged',
    });
  });
});
