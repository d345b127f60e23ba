import { ConfigError } from '@asb/config';
import { dtmfModeOf, dtmfWanted, loadAriIngestConfig, tapTransportOf } from './ari-ingest.config';

/** What production requires that these tests do not vary. */
const PRODUCTION_NEEDS = { NATS_SERVERS: 'nats://nats:4222' };

function problems(env: Record<string, string>): Array<[string, string]> {
  try {
    loadAriIngestConfig({ env: { ...PRODUCTION_NEEDS, ...env } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => [p.variable, p.message]);
  }
  throw new Error('expected a ConfigError');
}

describe('ari-ingest configuration', () => {
  it('gives every server the shared password unless its entry has one', () => {
    const config = loadAriIngestConfig({
      env: {
        ...PRODUCTION_NEEDS,
        ARI_SERVERS: 'pbx1=http://127.0.0.1:8088,pbx2=http://ops:own-secret@10.0.0.2:8088',
        ARI_PASSWORD: 'shared-secret',
      },
    });
    expect(config.ARI_SERVERS).toEqual([
      { name: 'pbx1', url: 'http://127.0.0.1:8088', user: undefined, password: 'shared-secret' },
      { name: 'pbx2', url: 'http://10.0.0.2:8088', user: 'ops', password: 'own-secret' },
    ]);
  });

  it('needs no ARI_PASSWORD when every entry has its own', () => {
    const config = loadAriIngestConfig({
      env: { ...PRODUCTION_NEEDS, ARI_SERVERS: 'pbx1=http://ops:own-secret@10.0.0.2:8088' },
    });
    expect(config.ARI_SERVERS[0].password).toBe('own-secret');
  });

  it('names ARI_PASSWORD and the servers left without a password', () => {
    expect(
      problems({
        ARI_SERVERS:
          'pbx1=http://127.0.0.1:8088,pbx2=http://ops:own-secret@10.0.0.2:8088,pbx3=http://10.0.0.3:8088',
      }),
    ).toEqual([['ARI_PASSWORD', 'must be set: ARI_SERVERS gives no password for pbx1, pbx3']]);
  });

  it("reads VICIdial's dial prefixes, X for none, 9 when unset", () => {
    const env = { ARI_SERVERS: 'pbx1=http://127.0.0.1:8088', ARI_PASSWORD: 'secret' };
    expect(
      loadAriIngestConfig({ env: { ...PRODUCTION_NEEDS, ...env } }).VICIDIAL_DIAL_PREFIXES,
    ).toEqual(['9']);
    expect(
      loadAriIngestConfig({
        env: { ...PRODUCTION_NEEDS, ...env, VICIDIAL_DIAL_PREFIXES: 'X, 88,8' },
      }).VICIDIAL_DIAL_PREFIXES,
    ).toEqual(['', '88', '8']);
    expect(problems({ ...env, VICIDIAL_DIAL_PREFIXES: '9,nine' })[0][0]).toMatch(
      /^VICIDIAL_DIAL_PREFIXES/,
    );
  });

  it('reports a bad single setting before the cross-field check', () => {
    expect(problems({ ARI_SERVERS: 'pbx1=ftp://host' })[0][0]).toMatch(/^ARI_SERVERS/);
  });

  it('taps over RTP unless told otherwise, per server where TAP_TRANSPORT_BY_SERVER says', () => {
    const env = {
      ARI_SERVERS: 'pbx1=http://h1:8088,pbx2=http://h2:8088,pbx3=http://h3:8088',
      ARI_PASSWORD: 'secret',
    };
    const plain = loadAriIngestConfig({ env: { ...PRODUCTION_NEEDS, ...env } });
    expect(['pbx1', 'pbx2'].map((server) => tapTransportOf(plain, server))).toEqual(['rtp', 'rtp']);
    const mixed = loadAriIngestConfig({
      env: {
        ...PRODUCTION_NEEDS,
        ...env,
        TAP_TRANSPORT: 'audiosocket',
        TAP_TRANSPORT_BY_SERVER: 'pbx2=rtp',
        TAP_AUDIOSOCKET_ADDRESS: ' asb-gateway-audiosocket.asb.svc:9092 ',
      },
    });
    expect(['pbx1', 'pbx2', 'pbx3'].map((server) => tapTransportOf(mixed, server))).toEqual([
      'audiosocket',
      'rtp',
      'audiosocket',
    ]);
    expect(mixed.TAP_AUDIOSOCKET_ADDRESS).toBe('asb-gateway-audiosocket.asb.svc:9092');
  });

  it('names TAP_AUDIOSOCKET_ADDRESS when a server taps over AudioSocket without one', () => {
    expect(
      problems({
        ARI_SERVERS: 'pbx1=http://h1:8088,pbx2=http://h2:8088',
        ARI_PASSWORD: 'secret',
        TAP_TRANSPORT_BY_SERVER: 'pbx2=audiosocket',
      }),
    ).toEqual([['TAP_AUDIOSOCKET_ADDRESS', 'must be set: pbx2 uses the audiosocket transport']]);
  });

  it('publishes no key presses unless told to, masked when on, and per campaign where listed', () => {
    const env = { ...PRODUCTION_NEEDS, ARI_SERVERS: 'pbx1=http://h1:8088', ARI_PASSWORD: 's' };
    const plain = loadAriIngestConfig({ env });
    expect([plain.DTMF_EVENTS, plain.DTMF_DIGITS, plain.DTMF_BY_CAMPAIGN]).toEqual([
      'off',
      'masked',
      undefined,
    ]);
    expect([dtmfModeOf(plain, 'SALES'), dtmfModeOf(plain, undefined), dtmfWanted(plain)]).toEqual([
      'none',
      'none',
      false,
    ]);
    const on = loadAriIngestConfig({
      env: { ...env, DTMF_EVENTS: 'on', DTMF_BY_CAMPAIGN: 'PAYMENTS=none, SURVEY=clear' },
    });
    expect(on.DTMF_BY_CAMPAIGN).toEqual([
      { campaign: 'PAYMENTS', mode: 'none' },
      { campaign: 'SURVEY', mode: 'clear' },
    ]);
    expect(['PAYMENTS', 'SURVEY', 'SALES', undefined].map((c) => dtmfModeOf(on, c))).toEqual([
      'none',
      'clear',
      'masked',
      'masked',
    ]);
    // A campaign's own setting holds even with DTMF_EVENTS off, and asks Asterisk for the keys.
    const one = loadAriIngestConfig({ env: { ...env, DTMF_BY_CAMPAIGN: 'SURVEY=masked' } });
    expect([dtmfModeOf(one, 'SURVEY'), dtmfModeOf(one, 'SALES'), dtmfWanted(one)]).toEqual([
      'masked',
      'none',
      true,
    ]);
    const none = loadAriIngestConfig({ env: { ...env, DTMF_BY_CAMPAIGN: 'PAYMENTS=none' } });
    expect(dtmfWanted(none)).toBe(false);
  });

  it.each([
    ['DTMF_EVENTS', 'yes', /must be one of off, on/],
    ['DTMF_DIGITS', 'hashed', /must be one of masked, clear/],
    [
      'DTMF_BY_CAMPAIGN',
      'PAYMENTS=hidden',
      /must be CAMPAIGN=none or CAMPAIGN=masked or CAMPAIGN=clear/,
    ],
    ['DTMF_BY_CAMPAIGN', 'PAYMENTS', /must be CAMPAIGN=none/],
    ['DTMF_BY_CAMPAIGN', 'SALES=clear,SALES=none', /names a campaign twice: SALES/],
  ])('names %s when it is %j', (variable, value, message) => {
    const found = problems({
      ARI_SERVERS: 'pbx1=http://h1:8088',
      ARI_PASSWORD: 'secret',
      [variable]: value,
    });
    expect(found).toEqual([
      [expect.stringMatching(new RegExp(`^${variable}`)), expect.stringMatching(message)],
    ]);
  });

  it.each([
    ['TAP_TRANSPORT_BY_SERVER', 'pbx9=audiosocket', /names no server of ARI_SERVERS: pbx9/],
    ['TAP_TRANSPORT_BY_SERVER', 'pbx1=tcp', /must be name=rtp or name=audiosocket/],
    ['TAP_TRANSPORT', 'webrtc', /must be one of rtp, audiosocket/],
    ['TAP_AUDIOSOCKET_ADDRESS', 'gateway', /must be host:port/],
    ['TAP_AUDIOSOCKET_ADDRESS', '10.0.0.5:70000', /port must be 1-65535/],
    ['VICIDIAL_DB_URL', 'postgres://db/asterisk', /mysql:\/\//],
    ['VICIDIAL_DB_POLL_INTERVAL_MS', '50', /at least 200/],
    ['AGENT_PHONE_PATTERN', '(', /regular expression/],
  ])('names %s when it is %j', (variable, value, message) => {
    const found = problems({
      ARI_SERVERS: 'pbx1=http://h:8088',
      ARI_PASSWORD: 'x',
      [variable]: value,
    });
    expect(found).toEqual([
      [expect.stringMatching(`^${variable}`), expect.stringMatching(message)],
    ]);
  });
});
