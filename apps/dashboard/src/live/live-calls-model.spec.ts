import { liveCall } from '../__tests__/live-call.fixture';
import { LiveCallsModel } from './live-calls-model';

describe('LiveCallsModel', () => {
  it('applies the snapshot, then batches of started, answered and ended calls', () => {
    const model = new LiveCallsModel();
    model.applySnapshot(
      { at: '2025-01-01T10:00:10.000Z', complete: true, calls: [liveCall(1), liveCall(2)] },
      Date.parse('2025-01-01T10:00:09.000Z'),
    );
    expect(model.clockOffsetMs).toBe(1000);
    expect(model.list().map((c) => c.callId)).toEqual(['call-2', 'call-1']);
    model.applyCalls({
      at: '2025-01-01T10:00:11.000Z',
      started: [liveCall(3, { state: 'ringing' })],
      answered: [liveCall(1, { answeredAt: '2025-01-01T10:00:05.000Z' })],
      updated: [],
      ended: [
        {
          callId: 'call-2',
          endedAt: '2025-01-01T10:00:11.000Z',
          cause: 16,
          causeText: 'Normal Clearing',
        },
      ],
    });
    expect(model.list().map((c) => [c.callId, c.state])).toEqual([
      ['call-3', 'ringing'],
      ['call-1', 'answered'],
    ]);
    expect(model.calls.get('call-1')?.answeredAt).toBe('2025-01-01T10:00:05.000Z');
  });

  it('updates a track from a health message and ignores calls it does not know', () => {
    const model = new LiveCallsModel();
    model.applySnapshot({ at: new Date().toISOString(), complete: true, calls: [liveCall(1)] });
    const before = model.calls.get('call-1');
    model.applyHealth({
      at: new Date().toISOString(),
      streams: [
        {
          callId: 'call-1',
          track: 'caller',
          health: 'degraded',
          levelDbfs: -12,
          lossPercent: 4,
          jitterMs: 3,
          sampledAt: null,
          speaking: true,
        },
        {
          callId: 'gone',
          track: 'caller',
          health: 'healthy',
          levelDbfs: -12,
          lossPercent: 0,
          jitterMs: 3,
          sampledAt: null,
          speaking: null,
        },
      ],
    });
    const after = model.calls.get('call-1');
    expect(after).not.toBe(before);
    expect(after?.tracks.caller).toMatchObject({
      health: 'degraded',
      levelDbfs: -12,
      lossPercent: 4,
      speaking: true,
    });
    expect(model.calls.has('gone')).toBe(false);
  });
});
