import { ContractViolation } from '../contract-violation.error';

/**
 * A callId is one NATS subject token: `.` separates tokens, `*` and `>` are wildcards and
 * whitespace ends a subject, so none of them may appear. We go further and allow only
 * `[A-Za-z0-9_-]`, which keeps ids safe in file names, URLs and log queries too.
 */
const CALL_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const CALL_ID_MAX_LENGTH = 128;

export function isValidCallId(value: unknown): value is string {
  return typeof value === 'string' && CALL_ID_PATTERN.test(value);
}

export function assertCallId(value: unknown): string {
  if (!isValidCallId(value)) {
    throw new ContractViolation(
      'invalid_call_id',
      `callId must be 1-${CALL_ID_MAX_LENGTH} characters of [A-Za-z0-9_-], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

const SERVER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
/**
 * `epoch.counter`, prefixed with `<systemname>-` when asterisk.conf sets a systemname. The
 * systemname is free text there; what follows its last `-` is always the plain uniqueid.
 */
const ASTERISK_UNIQUEID_PATTERN = /^(?:(.{1,200})-)?([0-9]{1,20})(?:\.([0-9]{1,12}))?$/;
/**
 * Room left for the systemname: the longest server name, the longest uniqueid and the three
 * separators must still fit in CALL_ID_MAX_LENGTH.
 */
const SYSTEM_NAME_MAX_LENGTH = CALL_ID_MAX_LENGTH - 40 - 20 - 12 - 3;

/**
 * Derives the callId of a call from the configured name of its Asterisk server and the uniqueid
 * of the call's channel (`1732451234.56`, or `vici-1732451234.56` with a systemname). The same
 * channel always maps to the same callId, so a restarted ari-ingest recognises calls it had
 * already announced, and two servers never collide because the server name is part of the id.
 * A systemname is the same on every channel of a server, so writing its characters that a
 * subject token cannot hold as `_` (and cutting a very long one short) keeps ids unique.
 */
export function callIdFromChannel(serverName: string, channelId: string): string {
  if (!SERVER_NAME_PATTERN.test(serverName)) {
    throw new ContractViolation(
      'invalid_call_id',
      `server name must be 1-40 characters of [A-Za-z0-9_-], got ${JSON.stringify(serverName)}`,
    );
  }
  const uniqueid = ASTERISK_UNIQUEID_PATTERN.exec(channelId);
  if (!uniqueid) {
    throw new ContractViolation(
      'invalid_call_id',
      `not an Asterisk uniqueid ([systemname-]epoch.counter): ${JSON.stringify(channelId)}`,
    );
  }
  const [, systemName, epoch, counter] = uniqueid;
  const parts = [serverName];
  if (systemName !== undefined) {
    parts.push(systemName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, SYSTEM_NAME_MAX_LENGTH));
  }
  parts.push(epoch);
  if (counter !== undefined) parts.push(counter);
  return parts.join('-');
}
