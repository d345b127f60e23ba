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
const ASTERISK_UNIQUEID_PATTERN = /^[0-9]{1,20}(\.[0-9]{1,12})?$/;

/**
 * Derives the callId of a call from the configured name of its Asterisk server and the uniqueid
 * of the call's channel (`1732451234.56`). The same channel always maps to the same callId, so a
 * restarted ari-ingest recognises calls it had already announced, and two servers never collide
 * because the server name is part of the id.
 */
export function callIdFromChannel(serverName: string, channelId: string): string {
  if (!SERVER_NAME_PATTERN.test(serverName)) {
    throw new ContractViolation(
      'invalid_call_id',
      `server name must be 1-40 characters of [A-Za-z0-9_-], got ${JSON.stringify(serverName)}`,
    );
  }
  if (!ASTERISK_UNIQUEID_PATTERN.test(channelId)) {
    throw new ContractViolation(
      'invalid_call_id',
      `not an Asterisk uniqueid (epoch.counter): ${JSON.stringify(channelId)}`,
    );
  }
  return `${serverName}-${channelId.replace('.', '-')}`;
}
