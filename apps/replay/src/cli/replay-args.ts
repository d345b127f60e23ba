import { parseArgs } from 'node:util';
import { isValidCallId } from '@asb/contracts';
import type { CallSelection } from '../source/recorded-calls.repository';

export interface ReplayArgs {
  selection: CallSelection;
  /** 1 = the recorded pace; 4 = four times faster. */
  speed: number;
  /** Calls played at the same time. */
  parallel: number;
  /** List what would be replayed, publish nothing. */
  dryRun: boolean;
}

export const REPLAY_USAGE = `usage: replay --call <callId> [--call <callId> ...]
       replay --from <time> [--to <time>] [--campaign <id>[,<id>...]] [--limit <n>]
options: --speed <x> (1-100, default 1: the recorded pace)  --parallel <n> (1-50, default 1)
         --dry-run (list the calls, publish nothing)
<time>: ISO 8601, e.g. 2026-12-03T09:00:00Z; --to defaults to now; --limit defaults to 20 (at most 1000)`;

const MAX_SPEED = 100;
const MAX_PARALLEL = 50;
const MAX_LIMIT = 1000;

function numberArg(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
  fallback: number,
  integer: boolean,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new Error(
      `--${name} takes ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not "${raw}"`,
    );
  }
  return value;
}

function timeArg(name: string, raw: string): Date {
  const time = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(time.getTime())) {
    throw new Error(`--${name} takes an ISO 8601 time such as 2026-12-03T09:00:00Z, not "${raw}"`);
  }
  return time;
}

/** The command line, checked; throws with a message naming the argument that is wrong. */
export function parseReplayArgs(argv: string[], now = new Date()): ReplayArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      call: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      campaign: { type: 'string', multiple: true },
      limit: { type: 'string' },
      speed: { type: 'string' },
      parallel: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const speed = numberArg('speed', values.speed, 1, MAX_SPEED, 1, false);
  const parallel = numberArg('parallel', values.parallel, 1, MAX_PARALLEL, 1, true);
  const dryRun = values['dry-run'] ?? false;
  const callIds = values.call ?? [];
  if (callIds.length > 0) {
    if (values.from ?? values.to ?? values.campaign ?? values.limit) {
      throw new Error(
        '--call names the calls; it does not go with --from, --to, --campaign or --limit',
      );
    }
    const bad = callIds.find((id) => !isValidCallId(id));
    if (bad !== undefined) throw new Error(`--call takes a callId, not "${bad}"`);
    return { selection: { callIds: [...new Set(callIds)] }, speed, parallel, dryRun };
  }
  if (values.from === undefined)
    throw new Error('say which calls: --call <callId>, or --from <time>');
  const from = timeArg('from', values.from);
  const to = values.to === undefined ? now : timeArg('to', values.to);
  if (to <= from) throw new Error('--to must be after --from');
  const campaigns = values.campaign
    ?.flatMap((list) => list.split(','))
    .map((c) => c.trim())
    .filter(Boolean);
  return {
    selection: {
      from,
      to,
      campaigns: campaigns && campaigns.length > 0 ? campaigns : undefined,
      limit: numberArg('limit', values.limit, 1, MAX_LIMIT, 20, true),
    },
    speed,
    parallel,
    dryRun,
  };
}
