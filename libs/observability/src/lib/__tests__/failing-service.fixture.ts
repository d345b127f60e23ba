/**
 * A service whose module init fails, run as its own process by start-service.spec.ts:
 * FAIL=config throws a ConfigError (wrapped, as a library might), anything else a plain error.
 */
import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ConfigError, loadConfig, serviceEnv } from '@asb/config';
import { ObservabilityModule } from '../observability.module';
import { startService } from '../start-service';

@Injectable()
class FailingInit implements OnModuleInit {
  onModuleInit(): void {
    if (process.env['FAIL'] === 'config') {
      const problem = new ConfigError([{ variable: 'SOME_URL', message: 'is not reachable' }]);
      throw new Error('connecting failed', { cause: problem });
    }
    throw new Error('the disk is full\n  at somewhere');
  }
}

@Module({
  imports: [
    ObservabilityModule.forRoot({ serviceName: 'failing', level: 'silent', pretty: false }),
  ],
  providers: [FailingInit],
})
class FailingModule {}

void startService({
  name: 'failing',
  loadConfig: () => loadConfig(serviceEnv(0)),
  module: () => FailingModule,
});
