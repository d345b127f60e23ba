import { Logger } from '@nestjs/common';
import { HealthCheckLogger, UNCHANGED_FAILURE_REPEAT_MS } from './health-check-logger';

describe('HealthCheckLogger', () => {
  const failure = (details: object) => `Health Check has failed! ${JSON.stringify(details)}`;

  it('warns once per change of what fails, and again only after a minute unchanged', () => {
    const warnings: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    const error = jest.spyOn(Logger.prototype, 'error');
    let now = 0;
    const logger = new HealthCheckLogger(() => now);
    try {
      const starting = failure({
        database: { status: 'down', message: 'schema not migrated yet' },
      });
      for (let probe = 0; probe < 10; probe += 1, now += 200) logger.error(starting);
      logger.error(failure({ nats: { status: 'down' } }));
      now += UNCHANGED_FAILURE_REPEAT_MS;
      logger.error(failure({ nats: { status: 'down' } }));
      expect(warnings).toEqual([
        'not ready: {"database":{"status":"down","message":"schema not migrated yet"}}',
        'not ready: {"nats":{"status":"down"}}',
        'not ready: {"nats":{"status":"down"}}',
      ]);
      expect(error).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      error.mockRestore();
    }
  });
});
