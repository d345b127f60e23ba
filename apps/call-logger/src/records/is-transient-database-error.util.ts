/**
 * SQLSTATE classes that mean the write itself is wrong (bad data, a broken constraint, bad SQL):
 * repeating it cannot help. Everything else (connection failures, shutdowns, timeouts, lock
 * conflicts, resource exhaustion) may succeed later.
 */
const PERMANENT_SQLSTATE_CLASSES = new Set(['21', '22', '23', '42', '44']);

function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether retrying a failed write later may succeed, i.e. the database rather than the data failed. */
export function isTransientDatabaseError(error: unknown): boolean {
  // Programming errors never heal by waiting.
  if (error instanceof TypeError || error instanceof RangeError) return false;
  const code = sqlState(error);
  if (code && /^[0-9A-Z]{5}$/.test(code)) return !PERMANENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
  return true;
}
