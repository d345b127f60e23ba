import { connect } from 'nats';
import { Pool } from 'pg';
import { ConfigError } from '@asb/config';
import { natsConnectionOptions } from '@asb/nats';
import { parseReplayArgs, REPLAY_USAGE } from './cli/replay-args';
import { loadReplayConfig } from './config/replay.config';
import { ReplayPlayer } from './play/replay-player';
import { runReplay } from './replay-run';
import { RecordedCallsRepository } from './source/recorded-calls.repository';

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

/**
 * `replay`: plays recorded calls back onto NATS as live calls look, under new callIds marked as
 * replays. Exit 64 for arguments it does not understand, 78 for a bad setting, 69 when NATS or
 * PostgreSQL cannot be reached, 66 when no call matches, 1 when some call could not be replayed.
 */
async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    say(REPLAY_USAGE);
    return 0;
  }
  let args;
  try {
    args = parseReplayArgs(argv);
  } catch (error) {
    complain(`replay: ${(error as Error).message}\n${REPLAY_USAGE}`);
    return 64;
  }
  let config;
  try {
    config = loadReplayConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems)
      complain(`replay: ${problem.variable}: ${problem.message}`);
    return 78;
  }
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    ssl: config.DATABASE_SSL ? { rejectUnauthorized: true } : undefined,
    connectionTimeoutMillis: 10_000,
    max: Math.max(2, args.parallel),
  });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const repository = new RecordedCallsRepository(pool, config.REPLAY_RECORDINGS_DIR);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    complain(`replay: cannot reach PostgreSQL: ${(error as Error).message}`);
    await pool.end();
    return 69;
  }
  if (args.dryRun) {
    const { code } = await runReplay(args, repository, undefined, say);
    await pool.end();
    return code;
  }
  let nc;
  try {
    nc = await connect({
      ...natsConnectionOptions(config, 'replay'),
      reconnect: true,
      timeout: 10_000,
    });
  } catch (error) {
    complain(`replay: cannot reach NATS: ${(error as Error).message}`);
    await pool.end();
    return 69;
  }
  try {
    const player = new ReplayPlayer(nc, nc.jetstream(), args.speed, (plan, sent) =>
      say(`  ${plan.callId}: ${sent} of ${plan.frames} frames sent`),
    );
    const { code } = await runReplay(args, repository, player, say, stop.signal);
    return stop.signal.aborted ? 130 : code;
  } finally {
    await nc.drain().catch(() => undefined);
    await pool.end();
  }
}

void main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    complain(`replay failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
