import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { loadMediaGatewayConfig } from './config/media-gateway.config';

void startService({
  name: 'media-gateway',
  loadConfig: () => loadMediaGatewayConfig(),
  module: (config) => AppModule.register(config),
});
