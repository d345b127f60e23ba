import { loadConfig } from '@asb/config';
import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { dashboardApiEnv } from './config/dashboard-api.config';

void startService({
  name: 'dashboard-api',
  loadConfig: () => loadConfig(dashboardApiEnv),
  module: (config) => AppModule.register(config),
});
