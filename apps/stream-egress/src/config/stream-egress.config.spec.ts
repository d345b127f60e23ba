import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, redactConfig } from '@asb/config';
import { loadStreamEgressConfig } from './stream-egress.config';

/** What production requires that these tests do not vary. */
const PRODUCTION_NEEDS = { NATS_SERVERS: 'nats://nats:4222' };

function problems(env: Record<string, string>): Array<[string, string]> {
  try {
    loadStreamEgressConfig({ env: { ...PRODUCTION_NEEDS, ...env } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => [p.variable, p.message]);
  }
  throw new Error('expected a ConfigError');
}

const route = (target: Record<string, unknown>, match: Record<string, unknown> = { all: true }) =>
  JSON.stringify([{ name: 'r1', match, targets: [target] }]);

describe('stream-egress configuration', () => {
  it('has working defaults: no routes, no inbound clients', () => {
    const config = loadStreamEgressConfig({ env: { ...PRODUCTION_NEEDS } });
    expect(config.HTTP_PORT).toBe(3004);
    expect(config.EGRESS_ROUTES).toEqual([]);
    expect(config.EGRESS_INBOUND_TOKENS).toBeUndefined();
    expect(config.EGRESS_QUEUE_MAX_FRAMES).toBe(100);
  });

  it('reads routes with target defaults, and secrets from other variables', () => {
    const config = loadStreamEgressConfig({
      env: {
        ...PRODUCTION_NEEDS,
        EGRESS_ROUTES: JSON.stringify([
          {
            name: 'sales',
            match: { campaigns: ['SALES'], numberPattern: '^\\+1' },
            targets: [
              {
                url: 'wss://ai.example.com/twilio',
                bearerTokenEnv: 'AI_TOKEN',
                hmacSecretEnv: 'AI_HMAC',
              },
              {
                url: 'ws://10.0.0.9/listen',
                format: 'jambonz',
                sampleRate: 16000,
                mixType: 'stereo',
              },
            ],
          },
        ]),
        AI_TOKEN: 'tok-1',
        AI_HMAC: 'a-long-enough-secret',
        EGRESS_INBOUND_TOKENS:
          'bot-a=aaaaaaaaaaaaaaaaaaaa, bot-b=bbbbbbbbbbbbbbbbbbbb, bot-c:SALES|RENEW=cccccccccccccccccccc',
      },
    });
    expect(config.EGRESS_ROUTES[0].targets).toEqual([
      {
        url: 'wss://ai.example.com/twilio',
        format: 'twilio',
        tracks: ['caller'],
        sampleRate: 8000,
        mixType: 'mono',
        bearerToken: 'tok-1',
        hmacSecret: 'a-long-enough-secret',
        headers: undefined,
        caFile: undefined,
      },
      expect.objectContaining({ format: 'jambonz', sampleRate: 16000, mixType: 'stereo' }),
    ]);
    expect(config.EGRESS_INBOUND_TOKENS).toEqual([
      { clientId: 'bot-a', token: 'aaaaaaaaaaaaaaaaaaaa' },
      { clientId: 'bot-b', token: 'bbbbbbbbbbbbbbbbbbbb' },
      { clientId: 'bot-c', token: 'cccccccccccccccccccc', campaigns: ['SALES', 'RENEW'] },
    ]);
  });

  it('never shows tokens or secrets in the config it logs', () => {
    const config = loadStreamEgressConfig({
      env: {
        ...PRODUCTION_NEEDS,
        EGRESS_ROUTES: route({
          url: 'wss://user:pa55word@h/x',
          bearerToken: 'tok-inline-1',
          hmacSecret: 'hmac-inline-secret-1',
        }),
        EGRESS_INBOUND_TOKENS: 'bot=cccccccccccccccccccc',
      },
    });
    const logged = JSON.stringify(redactConfig(config as unknown as Record<string, unknown>));
    expect(logged).not.toMatch(/tok-inline-1|hmac-inline-secret-1|pa55word|cccccccccccccccccccc/);
    expect(logged).toMatch(/bot/);
  });

  it('checks the CA files it is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'egress-ca-'));
    writeFileSync(join(dir, 'ca.pem'), 'not read as PEM here');
    expect(
      loadStreamEgressConfig({
        env: { ...PRODUCTION_NEEDS, EGRESS_TLS_CA_FILE: join(dir, 'ca.pem') },
      }).EGRESS_TLS_CA_FILE,
    ).toBe(join(dir, 'ca.pem'));
    expect(problems({ EGRESS_TLS_CA_FILE: join(dir, 'absent.pem') })).toEqual([
      ['EGRESS_TLS_CA_FILE', expect.stringMatching(/cannot read/)],
    ]);
    expect(
      problems({ EGRESS_ROUTES: route({ url: 'wss://h/x', caFile: join(dir, 'absent.pem') }) }),
    ).toEqual([['EGRESS_ROUTES.0.targets.0.caFile', expect.stringMatching(/cannot read/)]]);
  });

  it.each([
    [route({ url: 'http://h/x' }), /ws:\/\/ or wss:\/\//],
    [route({ url: 'ws://h/x', format: 'sip' }), /twilio|jambonz|Invalid option/],
    [route({ url: 'ws://h/x', sampleRate: 44100 }), /./],
    [route({ url: 'ws://h/x', mixType: 'surround' }), /./],
    [route({ url: 'ws://h/x', hmacSecret: 'short' }), /16 characters/],
    [route({ url: 'ws://h/x', headers: { Authorization: 'x' } }), /reserved/],
    [route({ url: 'ws://h/x', colour: 'blue' }), /colour|Unrecognized/],
    [route({ url: 'ws://h/x' }, {}), /all: true, campaigns/],
    [route({ url: 'ws://h/x' }, { all: true, campaigns: ['A'] }), /cannot be combined/],
    [route({ url: 'ws://h/x' }, { numberPattern: '(' }), /regular expression/],
    ['[{"name":"a","match":{"all":true},"targets":[]}]', /./],
    ['{not json', /valid JSON/],
  ])('refuses EGRESS_ROUTES=%s', (value, message) => {
    const found = problems({ EGRESS_ROUTES: value });
    expect(found.length).toBeGreaterThan(0);
    expect(found[0][0]).toMatch(/^EGRESS_ROUTES/);
    expect(found[0][1]).toMatch(message);
  });

  it('sends credentials over wss:// only, unless a target allows plain ws:// in so many words', () => {
    const plain = 'would send the bearer token or signature unencrypted';
    for (const credentials of [{ bearerToken: 'tok-1' }, { hmacSecret: 'a-long-enough-secret' }]) {
      expect(problems({ EGRESS_ROUTES: route({ url: 'ws://h/x', ...credentials }) })).toEqual([
        ['EGRESS_ROUTES.0.targets.0.url', expect.stringContaining(plain)],
      ]);
    }
    const allowed = (target: Record<string, unknown>) =>
      loadStreamEgressConfig({ env: { ...PRODUCTION_NEEDS, EGRESS_ROUTES: route(target) } })
        .EGRESS_ROUTES[0].targets[0].url;
    expect(allowed({ url: 'ws://127.0.0.1/x', bearerToken: 'tok-1', allowPlainWs: true })).toBe(
      'ws://127.0.0.1/x',
    );
    expect(allowed({ url: 'wss://h/x', bearerToken: 'tok-1' })).toBe('wss://h/x');
    expect(allowed({ url: 'ws://h/x' })).toBe('ws://h/x');
  });

  it('names a secret variable that is not set, and other bad values', () => {
    expect(
      problems({ EGRESS_ROUTES: route({ url: 'wss://h/x', bearerTokenEnv: 'NOPE' }) }),
    ).toEqual([['EGRESS_ROUTES.0.targets.0.bearerTokenEnv', 'names NOPE, which is not set']]);
    expect(problems({ EGRESS_INBOUND_TOKENS: 'bot=short' })[0][0]).toBe('EGRESS_INBOUND_TOKENS.0');
    expect(problems({ EGRESS_RECONNECT_MIN_MS: '5000', EGRESS_RECONNECT_MAX_MS: '1000' })).toEqual([
      ['EGRESS_RECONNECT_MIN_MS', expect.stringMatching(/must not exceed/)],
    ]);
    expect(
      problems({
        EGRESS_ROUTES: JSON.stringify([
          { name: 'a', match: { all: true }, targets: [{ url: 'ws://h/x' }] },
          { name: 'a', match: { all: true }, targets: [{ url: 'ws://h/y' }] },
        ]),
      }),
    ).toEqual([['EGRESS_ROUTES', 'route names must be unique']]);
  });
});
