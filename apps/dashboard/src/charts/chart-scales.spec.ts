import { clockTickLabel, countAxisTop, everyHour } from './chart-scales';

describe('chart scales', () => {
  it('labels time ticks as a clock, with seconds only when ticks are seconds apart', () => {
    const at = new Date(2026, 11, 4, 9, 5, 7).getTime() / 1000;
    expect(clockTickLabel(at, 300)).toBe('09:05');
    expect(clockTickLabel(at, 3600)).toBe('09:05');
    expect(clockTickLabel(at, 15)).toBe('09:05:07');
  });

  it('gives a count axis a top of at least 1, rounded up to a round number', () => {
    expect([null, undefined, NaN, -3, 0, 0.4, 1].map(countAxisTop)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect([2, 3, 7, 10, 11, 37, 180, 2000].map(countAxisTop)).toEqual([
      2, 5, 10, 10, 20, 50, 200, 2000,
    ]);
  });

  it('fills the hours without calls with zeros, so the day is a row of bars', () => {
    const from = Date.parse('2026-12-04T08:30:00.000Z');
    const to = Date.parse('2026-12-04T11:10:00.000Z');
    const rows = [{ hour: '2026-12-04T10:00:00.000Z', calls: 4 }];
    expect(everyHour(rows, from, to, (hour) => ({ hour, calls: 0 }))).toEqual([
      { hour: '2026-12-04T08:00:00.000Z', calls: 0 },
      { hour: '2026-12-04T09:00:00.000Z', calls: 0 },
      { hour: '2026-12-04T10:00:00.000Z', calls: 4 },
      { hour: '2026-12-04T11:00:00.000Z', calls: 0 },
    ]);
    expect(everyHour([], from, from, (hour) => ({ hour, calls: 0 }))).toHaveLength(1);
  });
});
