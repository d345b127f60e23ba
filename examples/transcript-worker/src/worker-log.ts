/** One JSON line per event on stdout, like the bridge's services log. */
export function log(level: 'info' | 'warn' | 'error', msg: string, fields: object = {}): void {
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`,
  );
}
