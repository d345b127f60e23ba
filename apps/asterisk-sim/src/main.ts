import { loadConfig } from '@asb/config';
import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { asteriskSimEnv } from './config/asterisk-sim.config';

void startService({
  name: 'asterisk-sim',
  loadConfig: () => loadConfig(asteriskSimEnv),
  module: (config) => AppModule.register(config),
});
