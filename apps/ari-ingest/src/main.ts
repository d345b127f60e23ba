import { loadConfig } from '@asb/config';
import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { ariIngestEnv } from './config/ari-ingest.config';

void startService({
  name: 'ari-ingest',
  loadConfig: () => loadConfig(ariIngestEnv),
  module: (config) => AppModule.register(config),
});
