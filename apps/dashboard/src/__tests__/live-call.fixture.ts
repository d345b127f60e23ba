import type { LiveCall } from '@asb/contracts';

/** A call in progress as the server sends it; `index` makes it unique and orders the starts. */
export function liveCall(index: number, fields: Partial<LiveCall> = {}): LiveCall {
  return {
    callId: `call-${index}`,
    server: 'pbx1',
    channelName: 'SIP/trunk',
    direction: 'outbound',
    state: 'answered',
    startedAt: new Date(Date.UTC(2025, 0, 1, 10, 0, index)).toISOString(),
    answeredAt: null,
    callerNumber: `555${String(index).padStart(4, '0')}`,
    callerName: null,
    calleeNumber: '5550000',
    vicidial: {
      callCode: `V1125100000${String(1000 + index).padStart(10, '0')}`,
      callType: 'V',
      leadId: 1000 + index,
      campaign: 'SALES',
      agent: 'agent1',
    },
    tracks: {},
    audioVerdicts: [],
    ...fields,
  };
}
