import type { AudioVerdictView, CallEventView, CallSummary } from '@asb/contracts';

/**
 * The call's audio verdicts from its audio_verdict events: each raising paired with the clearing
 * that followed it on the same track. One still standing when the call ended ended with it.
 */
export function audioVerdictTimeline(
  call: CallSummary,
  events: CallEventView[],
): AudioVerdictView[] {
  const standing = new Map<string, AudioVerdictView>();
  const timeline: AudioVerdictView[] = [];
  const ordered = events
    .filter((event) => event.event === 'audio_verdict')
    .map((event) => event.payload as Record<string, string | undefined>)
    .sort((a, b) => String(a['since']).localeCompare(String(b['since'])));
  for (const payload of ordered) {
    const key = `${payload['verdict']}/${payload['track']}`;
    const since = new Date(String(payload['since'])).toISOString();
    if (payload['state'] === 'raised' && !standing.has(key)) {
      const view: AudioVerdictView = {
        verdict: payload['verdict'] as AudioVerdictView['verdict'],
        track: String(payload['track']),
        raisedAt: since,
        clearedAt: null,
        detail: String(payload['detail'] ?? ''),
        suspectFormat: (payload['suspectFormat'] as AudioVerdictView['suspectFormat']) ?? null,
        speakingTrack: payload['speakingTrack'] ?? null,
      };
      standing.set(key, view);
      timeline.push(view);
    } else if (payload['state'] === 'cleared') {
      const view = standing.get(key);
      if (view) view.clearedAt = since;
      standing.delete(key);
    }
  }
  const endedAt = call.endedAt ?? call.endWindow?.notAfter ?? null;
  if (call.state === 'ended') for (const view of standing.values()) view.clearedAt = endedAt;
  return timeline;
}
