import { statsSample } from '../__tests__/call-logger-harness';
import { STREAM_ROW_REFRESH_MS, StreamHealthAccumulator } from './stream-health-accumulator';

const T0 = Date.parse('2026-01-05T10:00:00.000Z');

describe('StreamHealthAccumulator', () => {
  it('keeps one sample per interval and every change of the stalled flag', () => {
    const accumulator = new StreamHealthAccumulator(3000);
    const stalledAt = new Set([4, 5]);
    for (let s = 0; s < 8; s += 1) {
      accumulator.add(statsSample('c1', 'caller', T0 + s * 1000, { stalled: stalledAt.has(s) }));
    }
    const { samples } = accumulator.take(T0);
    expect(samples.map((sample) => (Date.parse(sample.sampledAt) - T0) / 1000)).toEqual([
      0, 3, 4, 6,
    ]);
  });

  it('sums what happened to a stream between two writes into one row update', () => {
    const accumulator = new StreamHealthAccumulator(1000);
    accumulator.add(statsSample('c1', 'agent', T0, { jitterMs: 8, packets: 0 }));
    accumulator.add(
      statsSample('c1', 'agent', T0 + 1000, { stalled: true, packets: 40, lastPacketAgeMs: 300 }),
    );
    accumulator.add(statsSample('c1', 'agent', T0 + 2000, { jitterMs: 2, packets: 90 }));
    const { updates } = accumulator.take(T0);
    expect(updates).toEqual([
      {
        latest: expect.objectContaining({ packets: 90, jitterMs: 2 }),
        samples: 3,
        stalls: 1,
        maxJitterMs: 8,
      },
    ]);
  });

  it('rewrites a stream row at most every refresh period, unless it stalls or recovers', () => {
    const accumulator = new StreamHealthAccumulator(1000);
    accumulator.add(statsSample('c1', 'caller', T0));
    expect(accumulator.take(T0).updates).toHaveLength(1);
    accumulator.add(statsSample('c1', 'caller', T0 + 1000));
    expect(accumulator.take(T0 + 1000).updates).toHaveLength(0);
    expect(accumulator.take(T0 + STREAM_ROW_REFRESH_MS).updates).toHaveLength(1);
    accumulator.add(statsSample('c1', 'caller', T0 + 6000, { stalled: true }));
    expect(accumulator.take(T0 + STREAM_ROW_REFRESH_MS + 1).updates).toHaveLength(1);
    accumulator.add(statsSample('c1', 'caller', T0 + 7000));
    expect(accumulator.take(T0 + STREAM_ROW_REFRESH_MS + 2, true).updates).toHaveLength(1);
  });

  it("writes a stream's row at once when its call ends", () => {
    const accumulator = new StreamHealthAccumulator(1000);
    accumulator.add(statsSample('c1', 'caller', T0));
    accumulator.take(T0);
    accumulator.add(statsSample('c1', 'caller', T0 + 1000, { packets: 99 }));
    accumulator.expedite('c1');
    expect(accumulator.take(T0 + 1000).updates).toEqual([
      expect.objectContaining({ latest: expect.objectContaining({ packets: 99 }) }),
    ]);
  });

  it('puts back a failed write, merged with what came meanwhile, and bounds what waits', () => {
    const accumulator = new StreamHealthAccumulator(0);
    accumulator.add(statsSample('c1', 'caller', T0, { packets: 10 }));
    const failed = accumulator.take(T0);
    accumulator.add(statsSample('c1', 'caller', T0 + 1000, { packets: 60 }));
    accumulator.restore(failed);
    const retried = accumulator.take(T0 + 1);
    expect(retried.samples.map((s) => s.packets)).toEqual([10, 60]);
    expect(retried.updates).toEqual([
      expect.objectContaining({ samples: 2, latest: expect.objectContaining({ packets: 60 }) }),
    ]);
  });
});
