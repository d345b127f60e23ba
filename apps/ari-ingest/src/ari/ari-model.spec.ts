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
  ])('refuses %s as %s', (text, reason) => {
    expect(readAriEvent(text)).toEqual({ invalid: reason });
  });

  it('accepts events of types it does not know, without a channel', () => {
    expect(readAriEvent('{"type":"DeviceStateChanged","device_state":{}}')).toMatchObject({
      type: 'DeviceStateChanged',
    });
  });
});
