/**
 * Axis decisions of the charts, kept apart from uPlot so they can be tested: uPlot left to itself
 * stretches one sample over years, prints ":55.000" ticks and puts a zero count mid-axis.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** A tick of a time axis (seconds since the epoch), local time: seconds only if ticks are that close. */
export function clockTickLabel(seconds: number, tickSpacingSeconds: number): string {
  const date = new Date(seconds * 1000);
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return tickSpacingSeconds < 60 ? `${clock}:${pad(date.getSeconds())}` : clock;
}

/** The top of a count axis: at least 1, rounded up to 1, 2 or 5 times a power of ten. */
export function countAxisTop(max: number | null | undefined): number {
  if (max === null || max === undefined || !Number.isFinite(max) || max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power >= max) as number;
  return step * power;
}

/** Every hour from `from` to `to` (ISO hours), with the count of each, missing hours as 0. */
export function everyHour<T extends { hour: string }>(
  rows: T[],
  fromMs: number,
  toMs: number,
  zero: (hour: string) => T,
): T[] {
  const byHour = new Map(rows.map((row) => [Date.parse(row.hour), row]));
  const hourMs = 3_600_000;
  const first = Math.floor(fromMs / hourMs) * hourMs;
  const hours: T[] = [];
  for (let at = first; at <= toMs; at += hourMs) {
    hours.push(byHour.get(at) ?? zero(new Date(at).toISOString()));
  }
  return hours;
}
