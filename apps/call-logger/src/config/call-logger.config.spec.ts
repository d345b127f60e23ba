import { ConfigError } from '@asb/config';
import { loadCallLoggerConfig } from './call-logger.config';

/** What production requires that these tests do not vary. */
const PRODUCTION_NEEDS = {
  NATS_SERVERS: 'nats://nats:4222',
  DATABASE_URL: 'postgres://asb@db:5432/asb',
};

describe('call-logger config', () => {
  it('has defaults that record, downsample to 5 s and keep 30 days', () => {
    const config = loadCallLoggerConfig({ env: { ...PRODUCTION_NEEDS } });
    expect(config).toMatchObject({
      HTTP_PORT: 3003,
      CALL_LOGGER_CONSUMER: 'call-logger',
      STATS_SAMPLE_INTERVAL_MS: 5000,
      RECORDINGS_ENABLED: true,
      RECORDINGS_RETENTION_DAYS: 30,
    });
    expect(config.RECORDINGS_DIR).toBe(`${process.cwd()}/recordings`);
  });

  it('takes an absolute recordings directory as it is', () => {
    expect(
      loadCallLoggerConfig({ env: { ...PRODUCTION_NEEDS, RECORDINGS_DIR: '/data/rec' } })
        .RECORDINGS_DIR,
    ).toBe('/data/rec');
  });

  it('names every invalid setting', () => {
    try {
      loadCallLoggerConfig({
        env: {
          ...PRODUCTION_NEEDS,
          CALL_LOGGER_CONSUMER: 'call.logger',
          RECORDINGS_RETENTION_DAYS: '0',
          RECORDINGS_ENABLED: 'perhaps',
        },
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'CALL_LOGGER_CONSUMER',
        'RECORDINGS_ENABLED',
        'RECORDINGS_RETENTION_DAYS',
      ]);
    }
  });
});
