import type { NestExpressApplication } from '@nestjs/platform-express';
import { IoAdapter } from '@nestjs/platform-socket.io';
import helmet from 'helmet';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import { setupOpenApi } from '../http/openapi';
import { jsonBodyParser } from '../http/request-body';

/**
 * HTTP setup shared by main.ts and the tests: the proxies whose forwarded address is believed,
 * security headers on every answer (API and dashboard alike), a bounded JSON body with a clear
 * error, socket.io on the same server, and the OpenAPI docs.
 */
export function configureApp(app: NestExpressApplication, config: DashboardApiConfig): void {
  app.set('trust proxy', config.DASHBOARD_TRUSTED_PROXIES ?? false);
  app.use(helmet());
  app.use(...jsonBodyParser());
  app.useWebSocketAdapter(new IoAdapter(app));
  setupOpenApi(app);
}
