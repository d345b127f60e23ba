import { Logger, LoggerService } from '@nestjs/common';

/** A failing check that has not changed is told again after this long, not on every probe. */
export const UNCHANGED_FAILURE_REPEAT_MS = 60_000;

/**
 * What terminus logs when a readiness check fails. A service that is starting, or waiting for a
 * dependency, is not ready on every probe (every few seconds): that is a state, not an error per
 * probe. It is logged as a warning when the failing checks change, and again only after a minute.
 */
export class HealthCheckLogger implements LoggerService {
  private readonly logger = new Logger('HealthCheck');
  private lastMessage?: string;
  private lastAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  error(message: unknown): void {
    const text = String(message).replace(/^Health Check has failed!\s*/, '');
    const at = this.now();
    if (text === this.lastMessage && at - this.lastAt < UNCHANGED_FAILURE_REPEAT_MS) return;
    this.lastMessage = text;
    this.lastAt = at;
    this.logger.warn(`not ready: ${text}`);
  }

  log(message: unknown): void {
    this.logger.log(message);
  }

  warn(message: unknown): void {
    this.logger.warn(message);
  }
}
