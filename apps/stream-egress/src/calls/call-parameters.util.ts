import type { LiveCall } from './live-call';

/**
 * A call's identity and VICIdial metadata as flat string parameters (Twilio's customParameters
 * are strings); only what is known is present.
 */
export function callParameters(call: LiveCall): Record<string, string> {
  const parameters: Record<string, string> = {
    callId: call.callId,
    server: call.server,
    channelName: call.channelName,
    direction: call.direction,
  };
  const optional: Record<string, string | number | undefined> = {
    callerNumber: call.callerNumber,
    callerName: call.callerName,
    calleeNumber: call.calleeNumber,
    callCode: call.vicidial?.callCode,
    callType: call.vicidial?.callType,
    leadId: call.vicidial?.leadId,
    campaign: call.vicidial?.campaign,
    campaignName: call.vicidial?.campaignName,
    inGroup: call.vicidial?.inGroup,
    listId: call.vicidial?.listId,
    agent: call.vicidial?.agent,
    agentName: call.vicidial?.agentName,
    replayOf: call.replay?.of,
    replaySession: call.replay?.session,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined && value !== '') parameters[name] = String(value);
  }
  return parameters;
}
