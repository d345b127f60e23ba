import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { loadStreamEgressConfig } from './config/stream-egress.config';

void startService({
  name: 'stream-egress',
  loadConfig: () => loadStreamEgressConfig(),
  module: (config) => AppModule.register(config),
});
