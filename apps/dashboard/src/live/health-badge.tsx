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
      {track.speaking !== null && (
        <span
          className={`speaking ${track.speaking ? 'speaking-now' : ''}`}
          data-speaking={track.speaking}
          title={track.speaking ? `${label} is talking` : `${label} is quiet`}
          aria-label={track.speaking ? `${label} talking` : `${label} quiet`}
        />
      )}
    </span>
  );
}

const LEGEND: Array<[string, string]> = [
  ['waiting', 'tapped, no audio measured yet'],
  ['healthy', 'audio arriving, loss and jitter under the thresholds'],
  ['degraded', "loss or jitter at or above dashboard-api's thresholds (2 %, 40 ms by default)"],
  ['stalled', 'no audio for a while: its gateway may be down'],
  ['failed', 'the tap could not be set up (retried while the call lasts)'],
  ['stopped', 'the tap ended'],
];

/** What the badges' colours mean; a badge's tooltip gives its loss, jitter and level. */
export function HealthLegend() {
  return (
    <p className="legend" aria-label="What the colours mean">
      {LEGEND.map(([health, meaning]) => (
        <span key={health} className="legend-item" title={meaning}>
          <span className={`badge badge-${health}`}>{health}</span> {meaning}
        </span>
      ))}
      <span className="legend-item">
        the bar: the level of the last second; hover a badge for numbers; the dot lights while that
        side talks
      </span>
    </p>
  );
}
