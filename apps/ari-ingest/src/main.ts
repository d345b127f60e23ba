import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { loadAriIngestConfig } from './config/ari-ingest.config';

void startService({
  name: 'ari-ingest',
  loadConfig: () => loadAriIngestConfig(),
  module: (config) => AppModule.register(config),
});
