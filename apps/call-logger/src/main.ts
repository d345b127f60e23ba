import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { loadCallLoggerConfig } from './config/call-logger.config';

void startService({
  name: 'call-logger',
  loadConfig: () => loadCallLoggerConfig(),
  module: (config) => AppModule.register(config),
});
