import type { AudioVerdict } from '@asb/contracts';

/** What each verdict means to a supervisor, and what to check. */
export const VERDICT_MEANINGS: Record<AudioVerdict, { label: string; meaning: string }> = {
  one_way_audio: {
    label: 'one-way audio',
    meaning: 'one side speaks, the other has been silent for a while: a muted leg or a broken path',
  },
  silent_track: {
    label: 'silent track',
    meaning: 'audio arrives but carries nothing: a muted leg or the wrong channel tapped',
  },
  suspect_format: {
    label: 'wrong format?',
    meaning:
      'the audio is not speech in the format it claims: byte-swapped, the wrong codec or the wrong rate',
  },
  clipping: {
    label: 'clipping',
    meaning: 'the loud audio hits full scale: distorted for listeners and speech recognition',
  },
};

/** Every verdict, in the order the filters list them. */
export const VERDICTS = Object.keys(VERDICT_MEANINGS) as AudioVerdict[];

/**
 * One verdict as a badge, of a track if given (`compact`: named in the tooltip only); its
 * tooltip says what it means and what was seen.
 */
export function AudioVerdictBadge({
  verdict,
  track,
  detail,
  compact = false,
}: {
  verdict: AudioVerdict;
  track?: string;
  detail?: string;
  compact?: boolean;
}) {
  const { label, meaning } = VERDICT_MEANINGS[verdict];
  return (
    <span
      className={`badge verdict verdict-${verdict}`}
      data-verdict={verdict}
      data-track={track}
      title={`${track ? `${track}: ` : ''}${meaning}${detail ? ` (${detail})` : ''}`}
    >
      {label}
      {track && !compact ? ` · ${track}` : ''}
    </span>
  );
}
