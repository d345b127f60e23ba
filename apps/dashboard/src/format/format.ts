/** Time since a call's start, as its timeline shows it: tenths of seconds for the first minute. */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const clamped = Math.max(0, ms);
  return clamped < 60_000 ? `${(clamped / 1000).toFixed(1)} s` : formatDuration(clamped);
}

/** h:mm:ss or m:ss of a duration; — when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** VICIdial's call type letter in words. */
export function callTypeLabel(letter: string | null | undefined): string {
  switch (letter) {
    case 'V':
      return 'auto-dial';
    case 'M':
      return 'manual';
    case 'Y':
      return 'inbound';
    case undefined:
    case null:
    case '':
      return '—';
    default:
      return letter;
  }
}

export function formatPercent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '—' : `${Math.round(ratio * 1000) / 10}%`;
}

/** Width (0-100%) of a level meter for a dBFS value: -60 dBFS and below is empty. */
export function levelToPercent(dbfs: number | null | undefined): number {
  if (dbfs === null || dbfs === undefined) return 0;
  return Math.max(0, Math.min(100, ((dbfs + 60) / 60) * 100));
}

/** What the bridge knows of a call's VICIdial campaign, agent and in-group (any may be missing). */
interface VicidialLabels {
  campaign?: string | null;
  campaignName?: string | null;
  inGroup?: string | null;
  agent?: string | null;
  agentName?: string | null;
}

/** The campaign, and the in-group an inbound call came in on: `SALES`, `SUPPORT / SUPPORT_LINE`. */
export function campaignLabel(vicidial: VicidialLabels | null | undefined): string {
  const parts = [vicidial?.campaign, vicidial?.inGroup].filter(Boolean);
  return parts.length > 0 ? parts.join(' / ') : '—';
}

/** The agent's name with their user, or whichever of the two is known: `Ada Agent (1001)`. */
export function agentLabel(vicidial: VicidialLabels | null | undefined): string {
  const { agent, agentName } = vicidial ?? {};
  if (agent && agentName) return `${agentName} (${agent})`;
  return agentName || agent || '—';
}

interface CallDurations {
  startedAt: string;
  durationMs: number | null;
  endWindow: { notBefore: string | null; notAfter: string } | null;
}

/**
 * A call's duration, or for a call whose end was found but not seen, what is known of it: at
 * least until it was last seen up, with the window its end lies in for a tooltip.
 */
export function callDurationLabel(call: CallDurations): { text: string; title?: string } {
  if (!call.endWindow) return { text: formatDuration(call.durationMs) };
  const { notBefore, notAfter } = call.endWindow;
  const title = `The end was not seen: the call ended between ${formatTime(notBefore ?? call.startedAt)} and ${formatTime(notAfter)}.`;
  if (!notBefore) return { text: 'end not seen', title };
  const atLeast = Date.parse(notBefore) - Date.parse(call.startedAt);
  return { text: `≥ ${formatDuration(Math.max(0, atLeast))}, end not seen`, title };
}
