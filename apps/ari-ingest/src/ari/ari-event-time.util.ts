/** Asterisk's event time (`2026-11-24T15:13:38.921+0000`); undefined when absent or unreadable. */
export function ariEventTime(timestamp: string | undefined): Date | undefined {
  if (!timestamp) return undefined;
  const at = new Date(timestamp);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
