import { ConfigError } from '@asb/config';
import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { loadAriIngestConfig } from './config/ari-ingest.config';
import { runDoctor } from './doctor/ari-doctor';

/** `main.js doctor`: check a live VICIdial and exit, instead of running the service. */
async function doctor(): Promise<number> {
  try {
    return await runDoctor(loadAriIngestConfig());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      process.stdout.write(`FAIL  config      ${problem.variable}: ${problem.message}\n`);
    }
    return 78;
  }
}

if (process.argv[2] === 'doctor') {
  void doctor().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`doctor failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
} else {
  void startService({
    name: 'ari-ingest',
    loadConfig: () => loadAriIngestConfig(),
    module: (config) => AppModule.register(config),
  });
}
