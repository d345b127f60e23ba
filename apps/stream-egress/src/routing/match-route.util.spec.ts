import type { LiveCall } from '../calls/live-call';
import { matchesRoute, takesCallKind } from './match-route.util';

function call(overrides: Partial<LiveCall> = {}): LiveCall {
  return {
    callId: 'c1',
    server: 'pbx1',
    channelId: '1.2',
    channelName: 'SIP/x-1',
    direction: 'outbound',
    callerNumber: '+15551230001',
    calleeNumber: '8005550100',
    vicidial: { callCode: 'V1124150300000012345', callType: 'V', campaign: 'SALES' },
    taps: new Map(),
    keyPresses: 0,
    firstSeenAt: 0,
    lastEventAt: 0,
    ended: false,
    ...overrides,
  };
}

describe('matchesRoute', () => {
  it('matches every call with all', () => {
    expect(matchesRoute({ all: true }, call({ vicidial: undefined }))).toBe(true);
  });

  it('matches by campaign, call type and number pattern, all given criteria together', () => {
    expect(matchesRoute({ campaigns: ['SALES', 'X'] }, call())).toBe(true);
    expect(matchesRoute({ campaigns: ['X'] }, call())).toBe(false);
    expect(matchesRoute({ callTypes: ['Y', 'V'] }, call())).toBe(true);
    expect(matchesRoute({ callTypes: ['M'] }, call())).toBe(false);
    expect(matchesRoute({ numberPattern: '^800' }, call())).toBe(true);
    expect(matchesRoute({ numberPattern: '^\\+1555' }, call())).toBe(true);
    expect(matchesRoute({ numberPattern: '^\\+44' }, call())).toBe(false);
    expect(matchesRoute({ campaigns: ['SALES'], callTypes: ['M'] }, call())).toBe(false);
    expect(matchesRoute({ campaigns: ['SALES'], numberPattern: '0100$' }, call())).toBe(true);
  });

  it('matches by in-group and agent, so a call sent on to an in-group is routed then', () => {
    const sentOn = call({
      vicidial: {
        callCode: 'Y1124150300000012345',
        callType: 'Y',
        campaign: 'SALES',
        inGroup: 'SUPPORT_LINE',
        agent: '1002',
      },
    });
    expect(matchesRoute({ inGroups: ['SUPPORT_LINE'] }, sentOn)).toBe(true);
    expect(matchesRoute({ inGroups: ['SUPPORT_LINE'] }, call())).toBe(false);
    expect(matchesRoute({ agents: ['1002', '1003'] }, sentOn)).toBe(true);
    expect(matchesRoute({ agents: ['1001'] }, sentOn)).toBe(false);
    expect(matchesRoute({ inGroups: ['SUPPORT_LINE'], agents: ['1001'] }, sentOn)).toBe(false);
  });

  it('does not match on metadata the call does not have yet', () => {
    expect(matchesRoute({ campaigns: ['SALES'] }, call({ vicidial: undefined }))).toBe(false);
    expect(
      matchesRoute({ numberPattern: '.' }, call({ callerNumber: undefined, calleeNumber: '' })),
    ).toBe(false);
  });
});

describe('takesCallKind', () => {
  const replayed = call({
    replay: { of: 'pbx1-1-2', session: '0f8fad5b-d9cb-469f-a165-70867728950e' },
  });

  it('takes live calls and replays by default, only one kind when the route says so', () => {
    expect([takesCallKind('include', call()), takesCallKind('include', replayed)]).toEqual([
      true,
      true,
    ]);
    expect([takesCallKind('exclude', call()), takesCallKind('exclude', replayed)]).toEqual([
      true,
      false,
    ]);
    expect([takesCallKind('only', call()), takesCallKind('only', replayed)]).toEqual([false, true]);
  });
});
