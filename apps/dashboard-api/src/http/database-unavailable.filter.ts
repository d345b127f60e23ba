import { ArgumentsHost, Catch, Logger, ServiceUnavailableException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, TypeORMError } from 'typeorm';
import { isDatabaseUnavailable } from './is-database-unavailable.util';

/**
 * A request that needs the database while it is down (or not yet connected and migrated at
 * start) gets a 503 saying so, like the readiness check, instead of a 500 and an error log.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(DatabaseUnavailableFilter.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    // Before the first connection TypeORM has no entity metadata yet and fails in odd ways.
    const notConnected = exception instanceof TypeORMError && !this.dataSource.isInitialized;
    if (host.getType() === 'http' && (notConnected || isDatabaseUnavailable(exception))) {
      this.logger.warn(
        `refused a request, the database is unavailable: ${(exception as Error).message}`,
      );
      super.catch(
        new ServiceUnavailableException('the database is unavailable; try again shortly'),
        host,
      );
      return;
    }
    super.catch(exception, host);
  }
}
