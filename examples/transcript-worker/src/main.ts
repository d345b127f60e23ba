import { connect } from 'nats';
import { speechActivityRecognisers } from './speech-activity-recogniser';
import { TranscriptWorker } from './transcript-worker';
import { InvalidWorkerConfig, loadWorkerConfig } from './worker-config';
import { log } from './worker-log';

/** Exit status of a bad setting, as the bridge's services use it (EX_CONFIG). */
const EXIT_CONFIG = 78;

async function main(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig(process.env);
  } catch (error) {
    if (!(error instanceof InvalidWorkerConfig)) throw error;
    log('error', error.message, { problems: error.problems });
    process.exit(EXIT_CONFIG);
  }
  const nc = await connect({
    servers: config.NATS_SERVERS.split(',').map((server) => server.trim()),
    user: config.NATS_USER,
    pass: config.NATS_PASSWORD,
    name: `transcript-worker ${config.WORKER_ID}`,
    maxReconnectAttempts: -1,
  });
  const worker = new TranscriptWorker(nc, config, speechActivityRecognisers);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await worker.stop();
    await nc.drain();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await worker.start();
}

main().catch((error: unknown) => {
  log('error', 'transcript worker failed', { error: (error as Error).stack ?? String(error) });
  process.exit(1);
});
