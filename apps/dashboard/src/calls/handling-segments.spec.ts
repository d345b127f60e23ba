import type { CallEventView } from '@asb/contracts';
import { handlingSegments } from './handling-segments';

let n = 0;
const event = (at: string, vicidial?: Record<string, string>): CallEventView => ({
  eventId: `00000000-0000-4000-8000-${String((n += 1)).padStart(12, '0')}`,
  event: 'updated',
  occurredAt: at,
  track: null,
  payload: vicidial ? { vicidial } : {},
});

describe('handlingSegments', () => {
  it('follows a call from its campaign agent to an in-group agent after a transfer', () => {
    const segments = handlingSegments([
      event('2026-12-04T10:00:00.000Z'),
      event('2026-12-04T10:00:01.000Z', { campaign: 'SALES', agent: '1001' }),
      event('2026-12-04T10:00:02.000Z', { agent: '1001', agentName: 'Ada Agent' }),
      event('2026-12-04T10:01:00.000Z', { inGroup: 'SUPPORT_LINE' }),
      event('2026-12-04T10:01:01.000Z', { inGroup: 'SUPPORT_LINE', agent: '1002' }),
      event('2026-12-04T10:01:02.000Z', { agent: '1002', agentName: 'Bo Closer' }),
    ]);
    expect(segments).toEqual([
      {
        at: '2026-12-04T10:00:01.000Z',
        agent: '1001',
        agentName: 'Ada Agent',
        inGroup: null,
        campaign: 'SALES',
      },
      {
        at: '2026-12-04T10:01:00.000Z',
        agent: '1001',
        agentName: 'Ada Agent',
        inGroup: 'SUPPORT_LINE',
        campaign: 'SALES',
      },
      {
        at: '2026-12-04T10:01:01.000Z',
        agent: '1002',
        agentName: 'Bo Closer',
        inGroup: 'SUPPORT_LINE',
        campaign: 'SALES',
      },
    ]);
  });

  it('gives a call that stayed with one agent one segment, and one without VICIdial none', () => {
    expect(
      handlingSegments([
        event('2026-12-04T10:00:01.000Z', { campaign: 'SALES', agent: '1001' }),
        event('2026-12-04T10:00:05.000Z', { campaign: 'SALES', agent: '1001' }),
      ]),
    ).toHaveLength(1);
    expect(handlingSegments([event('2026-12-04T10:00:01.000Z')])).toEqual([]);
  });
});
