import type { LiveTrack } from '@asb/contracts';
import { levelToPercent } from '../format/format';

/** One track's health: a coloured badge and a level meter (RMS of the last second). */
export function TrackHealth({ track, label }: { track: LiveTrack | undefined; label: string }) {
  if (!track) return <span className="track track-none">{label}: —</span>;
  const health =
    track.tap === 'failed' ? 'failed' : track.tap === 'stopped' ? 'stopped' : track.health;
  const title =
    track.lossPercent === null
      ? `${label}: ${health}`
      : `${label}: ${health}, loss ${track.lossPercent}%, jitter ${track.jitterMs} ms, level ${track.levelDbfs} dBFS`;
  return (
    <span className="track" title={title} data-track={track.track} data-health={health}>
      <span className={`badge badge-${health}`}>{label}</span>
      <span className="meter" aria-hidden="true">
        <span className="meter-fill" style={{ width: `${levelToPercent(track.levelDbfs)}%` }} />
      </span>
    </span>
  );
}
