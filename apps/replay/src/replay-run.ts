import { randomBytes, randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { AudioTrack } from '@asb/contracts';
import type { ReplayArgs } from './cli/replay-args';
import type { PlayResult } from './play/replay-player';
import { planReplay, ReplayPlan, replayCallId } from './plan/replay-plan';
import type { RecordedCallsRepository } from './source/recorded-calls.repository';

export interface ReplayOutcome {
  of: string;
  as?: string;
  result?: PlayResult & { audioSeconds: number; invalidEvents: number };
  problem?: string;
}

export interface ReplayPlaying {
  play(plan: ReplayPlan, signal?: AbortSignal): Promise<PlayResult>;
}

/** Exit codes: every call replayed, some could not be, none matched the selection. */
export const REPLAY_EXIT = { ok: 0, someFailed: 1, noneSelected: 66 } as const;

const suffix = () => randomBytes(4).readUInt32BE().toString(36).padStart(6, '0').slice(-6);

/**
 * One run of the replay tool: selects recorded calls, gives each a new callId under one replay
 * session, and plays them (`parallel` at a time), saying what it does as it goes.
 */
export async function runReplay(
  args: ReplayArgs,
  repository: RecordedCallsRepository,
  player: ReplayPlaying | undefined,
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<{ code: number; outcomes: ReplayOutcome[]; session: string }> {
  const session = randomUUID();
  const selected = await repository.select(args.selection);
  if (selected.length === 0) {
    say('no recorded call matches the selection');
    return { code: REPLAY_EXIT.noneSelected, outcomes: [], session };
  }
  const replayedAs = new Map(
    selected.filter((s) => !s.problem).map((s) => [s.callId, replayCallId(s.callId, suffix())]),
  );
  say(
    `replay session ${session}: ${replayedAs.size} of ${selected.length} calls at ${args.speed}x` +
      (args.dryRun ? ' (dry run: nothing is published)' : ''),
  );
  const limit = pLimit(args.parallel);
  const outcomes = await Promise.all(
    selected.map((choice) =>
      limit(async (): Promise<ReplayOutcome> => {
        const as = replayedAs.get(choice.callId);
        if (as === undefined) {
          say(`skip ${choice.callId}: ${choice.problem}`);
          return { of: choice.callId, problem: choice.problem };
        }
        try {
          const { call, invalidEvents } = await repository.load(choice.callId);
          const tracks = [...new Set(call.recording.tracks.map((t) => t.track as AudioTrack))];
          const plan = planReplay(call, {
            session,
            callId: as,
            runIds: Object.fromEntries(tracks.map((track) => [track, randomUUID()])),
            replayedAs,
          });
          say(
            `${args.dryRun ? 'would replay' : 'replaying'} ${call.callId} as ${as}: ` +
              `${plan.tracks.join('+') || 'no audio'}, ${plan.audioSeconds.toFixed(1)} s of audio, ` +
              `${plan.events} events` +
              (invalidEvents > 0
                ? ` (${invalidEvents} stored events no longer valid, left out)`
                : ''),
          );
          if (args.dryRun || player === undefined) return { of: call.callId, as };
          const played = await player.play(plan, signal);
          say(
            `replayed ${call.callId} as ${as}: ${played.frames} frames, ${played.events} events in ` +
              `${(played.wallMs / 1000).toFixed(1)} s (at most ${played.maxLateMs} ms behind pace)`,
          );
          return {
            of: call.callId,
            as,
            result: { ...played, audioSeconds: plan.audioSeconds, invalidEvents },
          };
        } catch (error) {
          const problem = (error as Error).message;
          say(`failed ${choice.callId}: ${problem}`);
          return { of: choice.callId, as, problem };
        }
      }),
    ),
  );
  const failed = outcomes.filter((o) => o.problem !== undefined).length;
  say(`done: ${outcomes.length - failed} replayed, ${failed} not`);
  return { code: failed > 0 ? REPLAY_EXIT.someFailed : REPLAY_EXIT.ok, outcomes, session };
}
