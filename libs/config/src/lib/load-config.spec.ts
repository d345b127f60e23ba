import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error';
import {
  envBoolean,
  envEnum,
  envInteger,
  envJson,
  envList,
  envPort,
  envString,
  envUrl,
} from './env-fields';
import { natsEnv, callEventsStreamEnv } from './fragments/nats.env';
import { databaseEnv, serviceEnv } from './fragments/service.env';
import { loadConfig, redactConfig } from './load-config';

const shape = {
  ...serviceEnv(8080),
  ...natsEnv,
  ...callEventsStreamEnv,
  ...databaseEnv,
  GATEWAY_ID: envString(),
  RTP_PORT_MIN: envPort().default(40000),
  RESAMPLE: envBoolean().default(false),
  MODE: envEnum(['a', 'b'] as const).default('a'),
  SERVERS: envJson(z.array(z.object({ name: z.string(), url: z.string() })).min(1)).optional(),
};

/** What production requires of `shape` and nothing else. */
const PRODUCTION_REQUIRED = {
  NATS_SERVERS: 'nats://nats:4222',
  DATABASE_URL: 'postgres://asb@db:5432/asb',
};

function problemsOf(env: Record<string, string>): Array<[string, string]> {
  try {
    loadConfig(shape, { env: { ...PRODUCTION_REQUIRED, ...env } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => [p.variable, p.message]);
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig(shape, {
      env: {
        ...PRODUCTION_REQUIRED,
        GATEWAY_ID: 'gw-a',
        RTP_PORT_MIN: '41000',
        RESAMPLE: 'yes',
        NATS_SERVERS: 'nats://a:4222, nats://b:4222',
      },
    });
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.RTP_PORT_MIN).toBe(41000);
    expect(config.RESAMPLE).toBe(true);
    expect(config.NATS_SERVERS).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.RUN_MODE).toBe('production');
    expect(config.DATABASE_URL).toBe('postgres://asb@db:5432/asb');
  });

  it('refuses to run in production without what the service needs, naming how to develop without it', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(shape, { env: { GATEWAY_ID: 'gw', ...env } });
        return [];
      } catch (error) {
        return (error as ConfigError).problems.map((p) => [p.variable, p.message]);
      }
    };
    expect(problems({})).toEqual([
      ['NATS_SERVERS', 'is required (RUN_MODE=development uses "nats://127.0.0.1:4222")'],
      [
        'DATABASE_URL',
        'is required (RUN_MODE=development uses "postgres://postgres@127.0.0.1:5432/asb")',
      ],
    ]);
    expect(problems({ RUN_MODE: 'production', NATS_SERVERS: ' ' })).toHaveLength(2);
    expect(problems({ RUN_MODE: 'staging' })).toEqual(
      expect.arrayContaining([
        ['RUN_MODE', 'must be one of production, development, got "staging"'],
        ['NATS_SERVERS', expect.stringMatching(/^is required/)],
      ]),
    );
  });

  it('gives the required settings their local defaults in development, and keeps given values', () => {
    const config = loadConfig(shape, {
      env: { GATEWAY_ID: 'gw', RUN_MODE: 'development', DATABASE_URL: 'postgres://me@h/db' },
    });
    expect(config.RUN_MODE).toBe('development');
    expect(config.NATS_SERVERS).toEqual(['nats://127.0.0.1:4222']);
    expect(config.DATABASE_URL).toBe('postgres://me@h/db');
  });

  it('names a missing required variable', () => {
    expect(problemsOf({})).toEqual([['GATEWAY_ID', 'is required']]);
    expect(problemsOf({ GATEWAY_ID: '   ' })).toEqual([['GATEWAY_ID', 'is required']]);
  });

  it.each([
    ['HTTP_PORT', 'eighty', /integer/],
    ['HTTP_PORT', '70000', /at most 65535/],
    ['RTP_PORT_MIN', '-1', /at least 0/],
    ['RESAMPLE', 'maybe', /true or false/],
    ['LOG_LEVEL', 'loud', /one of fatal, error/],
    ['NATS_SERVERS', 'http://x:4222', /nats:\/\/ or tls:\/\//],
    ['NATS_SERVERS', ',', /at least one/],
    ['DATABASE_URL', 'mysql://x/y', /postgres:\/\//],
    ['CALL_EVENTS_REPLICAS', '9', /at most 5/],
    ['NATS_RECONNECT_WAIT_MS', '1.5', /integer/],
    ['SERVERS', '{not json', /must be valid JSON/],
    ['SERVERS', '[]', />=1|at least/],
  ])('names %s when it is %j', (variable, value, message) => {
    const problems = problemsOf({ GATEWAY_ID: 'gw', [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0][0]).toMatch(new RegExp(`^${variable}`));
    expect(problems[0][1]).toMatch(message);
  });

  it('reports every bad variable at once, in the error message too', () => {
    try {
      loadConfig(shape, { env: { ...PRODUCTION_REQUIRED, HTTP_PORT: 'x', MODE: 'c' } });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toMatch(/HTTP_PORT: .*integer/);
      expect((error as Error).message).toMatch(/MODE: must be one of a, b/);
      expect((error as Error).message).toMatch(/GATEWAY_ID: is required/);
    }
  });

  describe('with CONFIG_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asb-config-'));

    it('reads YAML with structured values, and the environment wins over the file', () => {
      const file = join(dir, 'service.yaml');
      writeFileSync(
        file,
        'GATEWAY_ID: from-file\nHTTP_PORT: 9000\nSERVERS:\n  - name: pbx1\n    url: http://127.0.0.1:8088\n',
      );
      const config = loadConfig(shape, {
        env: { ...PRODUCTION_REQUIRED, CONFIG_FILE: file, HTTP_PORT: '9100' },
      });
      expect(config.GATEWAY_ID).toBe('from-file');
      expect(config.HTTP_PORT).toBe(9100);
      expect(config.SERVERS).toEqual([{ name: 'pbx1', url: 'http://127.0.0.1:8088' }]);
    });

    it('names CONFIG_FILE when the file is missing or unreadable, and unknown keys by name', () => {
      expect(problemsOf({ CONFIG_FILE: join(dir, 'absent.yaml') })[0]).toEqual([
        'CONFIG_FILE',
        expect.stringMatching(/cannot read/),
      ]);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{"GATEWAY_ID": ');
      expect(problemsOf({ CONFIG_FILE: bad })[0]).toEqual([
        'CONFIG_FILE',
        expect.stringMatching(/not valid JSON/),
      ]);
      const list = join(dir, 'list.yaml');
      writeFileSync(list, '- a\n- b\n');
      expect(problemsOf({ CONFIG_FILE: list })[0]).toEqual([
        'CONFIG_FILE',
        expect.stringMatching(/map of VARIABLE/),
      ]);
      const typo = join(dir, 'typo.yaml');
      writeFileSync(typo, 'GATEWAY_ID: gw\nHTTP_PROT: 80\n');
      expect(problemsOf({ CONFIG_FILE: typo })).toEqual([
        ['HTTP_PROT', expect.stringMatching(/not a setting/)],
      ]);
    });
  });
});

describe('field builders', () => {
  it('parse lists of integers and URLs', () => {
    expect(envList(envInteger({ min: 1 })).parse('1, 2,3')).toEqual([1, 2, 3]);
    expect(envUrl(['postgres']).parse('postgres://u:p@h/db')).toBe('postgres://u:p@h/db');
  });
});

describe('redactConfig', () => {
  it('hides secrets and passwords inside URLs, and keeps the rest', () => {
    const redacted = redactConfig({
      NATS_PASSWORD: 'hunter2',
      JWT_SECRET: 's3cret',
      NATS_USER: 'bridge',
      DATABASE_URL: 'postgres://asb:pa55@db:5432/asb',
      SERVERS: [{ name: 'pbx1', password: 'ari-pass', url: 'http://u:p@h:8088' }],
      UNSET_TOKEN: undefined,
    });
    expect(JSON.stringify(redacted)).not.toMatch(/hunter2|s3cret|pa55|ari-pass|u:p@/);
    expect(redacted).toMatchObject({
      NATS_USER: 'bridge',
      DATABASE_URL: 'postgres://asb:[redacted]@db:5432/asb',
    });
    expect(redacted['UNSET_TOKEN']).toBeUndefined();
  });
});
