import { ConfigError } from '@asb/config';
import { loadMediaGatewayConfig } from './media-gateway.config';

/** What production requires that these tests do not vary. */
const PRODUCTION_NEEDS = { NATS_SERVERS: 'nats://nats:4222' };

function problems(env: Record<string, string>): Array<[string, string]> {
  try {
    loadMediaGatewayConfig({ env: { ...PRODUCTION_NEEDS, ...env } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => [p.variable, p.message]);
  }
  throw new Error('expected a ConfigError');
}

describe('media-gateway configuration', () => {
  it('has working defaults', () => {
    expect(loadMediaGatewayConfig({ env: { ...PRODUCTION_NEEDS } })).toMatchObject({
      HTTP_PORT: 3002,
      GATEWAY_BIND_HOST: '0.0.0.0',
      GATEWAY_ADVERTISED_HOST: '127.0.0.1',
      GATEWAY_PORT_MIN: 40000,
      GATEWAY_PORT_MAX: 44999,
      GATEWAY_REORDER_WINDOW: 3,
      GATEWAY_IDLE_TIMEOUT_MS: 60000,
      GATEWAY_STATS_INTERVAL_MS: 1000,
      GATEWAY_HEARTBEAT_INTERVAL_MS: 250,
      GATEWAY_RELATCH_AFTER_MS: 500,
      GATEWAY_UDP_RECV_BUFFER_BYTES: 32768,
      GATEWAY_RECENT_AUDIO_SECONDS: 10,
    });
  });

  it('holds at most the contract bound of recent audio, and 0 turns it off', () => {
    expect(
      loadMediaGatewayConfig({ env: { ...PRODUCTION_NEEDS, GATEWAY_RECENT_AUDIO_SECONDS: '0' } })
        .GATEWAY_RECENT_AUDIO_SECONDS,
    ).toBe(0);
    expect(problems({ GATEWAY_RECENT_AUDIO_SECONDS: '31' })).toEqual([
      ['GATEWAY_RECENT_AUDIO_SECONDS', 'must be at most 30'],
    ]);
    expect(problems({ GATEWAY_RECENT_AUDIO_SECONDS: '2.5' })[0][0]).toBe(
      'GATEWAY_RECENT_AUDIO_SECONDS',
    );
  });

  it('advertises a specific bind address unless told otherwise', () => {
    expect(
      loadMediaGatewayConfig({ env: { ...PRODUCTION_NEEDS, GATEWAY_BIND_HOST: '10.1.2.3' } })
        .GATEWAY_ADVERTISED_HOST,
    ).toBe('10.1.2.3');
    expect(
      loadMediaGatewayConfig({
        env: {
          ...PRODUCTION_NEEDS,
          GATEWAY_BIND_HOST: '10.1.2.3',
          GATEWAY_ADVERTISED_HOST: '192.0.2.7',
        },
      }).GATEWAY_ADVERTISED_HOST,
    ).toBe('192.0.2.7');
  });

  it('names both port bounds when they are the wrong way round', () => {
    expect(problems({ GATEWAY_PORT_MIN: '45000', GATEWAY_PORT_MAX: '44000' })).toEqual([
      ['GATEWAY_PORT_MIN', 'must not exceed GATEWAY_PORT_MAX (45000 > 44000)'],
    ]);
  });

  it.each([
    ['GATEWAY_ADVERTISED_HOST', 'gateway.local', /IPv4/],
    ['GATEWAY_BIND_HOST', '::', /IPv4/],
    ['GATEWAY_PORT_MIN', '0', /at least 1/],
    ['GATEWAY_PORT_MAX', '70000', /at most 65535/],
    ['GATEWAY_REORDER_WINDOW', '-1', /at least 0/],
    ['GATEWAY_REORDER_MAX_HOLD_MS', '0', /at least 1/],
    ['GATEWAY_IDLE_TIMEOUT_MS', 'soon', /integer/],
    ['GATEWAY_STATS_INTERVAL_MS', '10', /at least 100/],
    ['GATEWAY_HEARTBEAT_INTERVAL_MS', '10', /at least 50/],
    ['GATEWAY_UDP_RECV_BUFFER_BYTES', '1024', /at least 4096/],
    ['GATEWAY_ID', 'x'.repeat(65), /at most 64/],
  ])('names %s when it is %j', (variable, value, message) => {
    const found = problems({ [variable]: value });
    expect(found).toHaveLength(1);
    expect(found[0][0]).toBe(variable);
    expect(found[0][1]).toMatch(message);
  });
});
