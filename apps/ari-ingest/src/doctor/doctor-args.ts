import type { DoctorListen } from './ari-doctor';

const DEFAULT_LISTEN_SECONDS = 5;
const MAX_LISTEN_SECONDS = 60;

/**
 * The doctor's arguments: `--listen[=SECONDS]` (1-60, 5 by default) and `--listen-host=ADDRESS`
 * (only with --listen). Throws with a message naming the argument that is wrong.
 */
export function parseDoctorArgs(args: string[]): DoctorListen | undefined {
  let seconds: number | undefined;
  let host: string | undefined;
  for (const arg of args) {
    const [name, value] = arg.split(/=(.*)/s, 2);
    if (name === '--listen') {
      seconds = value === undefined ? DEFAULT_LISTEN_SECONDS : Number(value);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_LISTEN_SECONDS) {
        throw new Error(
          `--listen takes whole seconds from 1 to ${MAX_LISTEN_SECONDS}, not "${value}"`,
        );
      }
    } else if (name === '--listen-host') {
      if (!value || !/^[A-Za-z0-9.:-]+$/.test(value)) {
        throw new Error(`--listen-host takes an address or host name, not "${value ?? ''}"`);
      }
      host = value;
    } else {
      throw new Error(
        `unknown argument "${arg}" (known: --listen[=SECONDS], --listen-host=ADDRESS)`,
      );
    }
  }
  if (host !== undefined && seconds === undefined) {
    throw new Error('--listen-host is only used with --listen');
  }
  return seconds === undefined ? undefined : { seconds, host };
}
