import type { CallDetail, LiveCall } from '@asb/contracts';
import { formatOffset } from '../format/format';
import { AudioVerdictBadge } from './audio-verdict-badge';

const seconds = (value: number) => `${value.toFixed(1)} s`;
const share = (part: number, whole: number) =>
  whole > 0 ? ` (${Math.round((part / whole) * 100)} %)` : '';

/**
 * A call's audio as the bridge judged it: its verdicts (the standing ones while it is live, each
 * with when it was raised and cleared once recorded) and its talk time once it ended.
 */
export function CallAudio({ detail, live }: { detail?: CallDetail; live?: LiveCall }) {
  const verdicts = detail?.audioVerdicts ?? [];
  const talk = detail?.call.audio.talk ?? null;
  const startedAt = Date.parse(detail?.call.startedAt ?? '');
  const sinceStart = (at: string) => `at ${formatOffset(Date.parse(at) - startedAt)}`;
  return (
    <section className="call-audio" aria-label="Audio">
      <h3>Audio</h3>
      {live && live.audioVerdicts.length > 0 && (
        <p className="verdicts" data-testid="standing-verdicts">
          {live.audioVerdicts.map((standing) => (
            <AudioVerdictBadge key={`${standing.verdict}/${standing.track}`} {...standing} />
          ))}
        </p>
      )}
      {verdicts.length === 0 ? (
        <p className="muted" data-testid="no-verdicts">
          No audio problem seen{detail?.call.state === 'ended' ? '.' : ' so far.'}
        </p>
      ) : (
        <table className="simple-table" aria-label="Audio verdicts">
          <thead>
            <tr>
              <th>Verdict</th>
              <th>From</th>
              <th>To</th>
              <th>What was seen (hover the badge for what it means)</th>
            </tr>
          </thead>
          <tbody>
            {verdicts.map((view) => (
              <tr
                key={`${view.verdict}/${view.track}/${view.raisedAt}`}
                data-verdict={view.verdict}
              >
                <td>
                  <AudioVerdictBadge verdict={view.verdict} track={view.track} />
                </td>
                <td>{sinceStart(view.raisedAt)}</td>
                <td>{view.clearedAt === null ? 'still' : sinceStart(view.clearedAt)}</td>
                <td>{view.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {talk && (
        <dl className="talk-figures" aria-label="Talk time">
          <dt>Customer talked</dt>
          <dd>
            {seconds(talk.customerTalkS)}
            {share(talk.customerTalkS, talk.heardS)}
          </dd>
          <dt>Agent talked</dt>
          <dd>
            {seconds(talk.agentTalkS)}
            {share(talk.agentTalkS, talk.heardS)}
          </dd>
          <dt>Both at once</dt>
          <dd>{seconds(talk.overlapS)}</dd>
          <dt>Longest silence</dt>
          <dd>{seconds(talk.longestSilenceS)}</dd>
          <dt>Heard</dt>
          <dd title="time in which both the customer's and the agent's audio reached the bridge">
            {seconds(talk.heardS)}
          </dd>
        </dl>
      )}
    </section>
  );
}
