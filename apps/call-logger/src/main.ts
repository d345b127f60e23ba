import { loadConfig } from '@asb/config';
import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { callLoggerEnv } from './config/call-logger.config';

void startService({
  name: 'call-logger',
  loadConfig: () => loadConfig(callLoggerEnv),
  module: (config) => AppModule.register(config),
});
