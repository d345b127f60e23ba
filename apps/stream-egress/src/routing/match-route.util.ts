import type { EgressRouteMatch } from '../config/stream-egress.config';
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

/**
 * Whether a call satisfies a route's criteria: `all`, or every criterion given (campaign among
 * `campaigns`, VICIdial call type among `callTypes`, caller or callee number matching
 * `numberPattern`). A criterion on metadata the call does not have (yet) does not match; a later
 * `updated` event that brings it is routed then.
 */
export function matchesRoute(match: EgressRouteMatch, call: LiveCall): boolean {
  if (match.all) return true;
  if (match.campaigns) {
    const campaign = call.vicidial?.campaign;
    if (campaign === undefined || !match.campaigns.includes(campaign)) return false;
  }
  if (match.callTypes) {
    const callType = call.vicidial?.callType;
    if (callType === undefined || !match.callTypes.includes(callType)) return false;
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
