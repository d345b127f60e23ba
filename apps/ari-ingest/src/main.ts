import { ConfigError } from '@asb/config';
import { startService } from '@asb/observability';
import { AppModule } from './app/app.module';
import { loadAriIngestConfig } from './config/ari-ingest.config';
import { DoctorListen, runDoctor } from './doctor/ari-doctor';
import { parseDoctorArgs } from './doctor/doctor-args';

/**
 * `main.js doctor [--listen[=SECONDS]] [--listen-host=ADDRESS]`: check a live VICIdial and exit,
 * instead of running the service. Exit 64 for arguments it does not understand.
 */
async function doctor(args: string[]): Promise<number> {
  let listen: DoctorListen | undefined;
  try {
    listen = parseDoctorArgs(args);
  } catch (error) {
    process.stdout.write(`FAIL  arguments   ${(error as Error).message}\n`);
    return 64;
  }
  try {
    return await runDoctor(loadAriIngestConfig(), undefined, listen);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      process.stdout.write(`FAIL  config      ${problem.variable}: ${problem.message}\n`);
    }
    return 78;
  }
}

if (process.argv[2] === 'doctor') {
  void doctor(process.argv.slice(3)).then(
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
