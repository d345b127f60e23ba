import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { DatabaseConnector } from '@asb/database';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import { UserExists } from './user-exists.error';
import { UsersService } from './users.service';

/**
 * Creates the admin named by DASHBOARD_ADMIN_USER once the database is ready, so a fresh install
 * can log in. An existing user of that name is left as it is: the env is a bootstrap, not a way
 * to reset a password that was changed since.
 */
@Injectable()
export class InitialAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InitialAdminService.name);
  /** Resolves when the admin exists (or none is configured); tests await it. */
  done: Promise<void> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: DashboardApiConfig,
    private readonly database: DatabaseConnector,
    private readonly users: UsersService,
  ) {}

  onApplicationBootstrap(): void {
    const username = this.config.DASHBOARD_ADMIN_USER;
    const password = this.config.DASHBOARD_ADMIN_PASSWORD;
    if (!username || !password) return;
    this.done = this.database.ready.then(() => this.ensure(username, password));
  }

  private async ensure(username: string, password: string): Promise<void> {
    if (await this.users.findByUsername(username)) return;
    try {
      await this.users.create({ username, password, role: 'admin' });
      this.logger.log(`created the initial admin ${username}`);
    } catch (error) {
      // Another replica created it at the same moment.
      if (!(error instanceof UserExists)) {
        this.logger.warn(`could not create the initial admin: ${(error as Error).message}`);
      }
    }
  }
}
