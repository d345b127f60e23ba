export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls a condition (sync or async) until it holds; fails naming what was awaited when the time
 * is up. The default is generous: it only decides how late a failing test fails.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

let uniqueCounter = 0;

/** A callId no other test (in this process or another) uses. */
export function uniqueCallId(prefix = 'call'): string {
  uniqueCounter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${uniqueCounter}`;
}
