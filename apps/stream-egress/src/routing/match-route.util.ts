import type { EgressRouteMatch, ReplayChoice } from '../config/stream-egress.config';
import type { LiveCall } from '../calls/live-call';

const patterns = new Map<string, RegExp>();

function pattern(source: string): RegExp {
  let compiled = patterns.get(source);
  if (!compiled) {
    compiled = new RegExp(source);
    patterns.set(source, compiled);
  }
  return compiled;
}

/** A list criterion holds when the call's value is known and among the listed ones. */
const among = (listed: string[] | undefined, value: string | undefined) =>
  listed === undefined || (value !== undefined && listed.includes(value));

/**
 * Whether a call satisfies a route's criteria: `all`, or every criterion given (campaign among
 * `campaigns`, in-group among `inGroups`, agent among `agents`, VICIdial call type among
 * `callTypes`, caller or callee number matching `numberPattern`). A criterion on metadata the
 * call does not have (yet) does not match; a later `updated` event that brings it is routed then.
 */
export function matchesRoute(match: EgressRouteMatch, call: LiveCall): boolean {
  if (match.all) return true;
  const vicidial = call.vicidial;
  if (
    !among(match.campaigns, vicidial?.campaign) ||
    !among(match.inGroups, vicidial?.inGroup) ||
    !among(match.agents, vicidial?.agent) ||
    !among(match.callTypes, vicidial?.callType)
  ) {
    return false;
  }
  if (match.numberPattern !== undefined) {
    const regex = pattern(match.numberPattern);
    const numbers = [call.callerNumber, call.calleeNumber].filter(
      (n): n is string => n !== undefined && n !== '',
    );
    if (!numbers.some((number) => regex.test(number))) return false;
  }
  return true;
}

/**
 * Whether a route or a next-call client takes the call, live or a replay (the replay tool), as
 * its `replays` says.
 */
export function takesCallKind(replays: ReplayChoice, call: LiveCall): boolean {
  return call.replay === undefined ? replays !== 'only' : replays !== 'exclude';
}
