import type { NestExpressApplication } from '@nestjs/platform-express';
import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { configureApp } from './app/configure-app';
import { loadDashboardApiConfig } from './config/dashboard-api.config';

void startService({
  name: 'dashboard-api',
  loadConfig: () => loadDashboardApiConfig(),
  module: (config) => AppModule.register(config),
  configure: (app, config) => configureApp(app as NestExpressApplication, config),
});
