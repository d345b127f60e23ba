import { callTypeLabel, formatDuration, levelToPercent } from './format';

describe('format', () => {
  it('formats durations, call types and levels', () => {
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('—');
    expect(callTypeLabel('V')).toBe('auto-dial');
    expect(callTypeLabel(null)).toBe('—');
    expect(levelToPercent(-100)).toBe(0);
    expect(levelToPercent(-30)).toBe(50);
    expect(levelToPercent(0)).toBe(100);
  });
});
