import {
  agentLabel,
  callDurationLabel,
  callTypeLabel,
  campaignLabel,
  formatDuration,
  formatOffset,
  levelToPercent,
} from './format';

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

  it("labels VICIdial's campaign, in-group and agent with what is known", () => {
    expect(campaignLabel({ campaign: 'SUPPORT', inGroup: 'SUPPORT_LINE' })).toBe(
      'SUPPORT / SUPPORT_LINE',
    );
    expect(campaignLabel({ campaign: 'SALES', inGroup: null })).toBe('SALES');
    expect(campaignLabel(null)).toBe('—');
    expect(agentLabel({ agent: '1001', agentName: 'Ada Agent' })).toBe('Ada Agent (1001)');
    expect(agentLabel({ agent: '1001' })).toBe('1001');
    expect(agentLabel({})).toBe('—');
  });

  it('shows a timeline offset to the tenth of a second in the first minute', () => {
    expect([0, 350, 2_049, 59_960, 65_000, -5].map(formatOffset)).toEqual([
      '0.0 s',
      '0.3 s',
      '2.0 s',
      '60.0 s',
      '1:05',
      '0.0 s',
    ]);
  });

  it('says what is known of a call whose end was not seen, never a made-up duration', () => {
    const startedAt = '2026-12-04T10:00:00.000Z';
    expect(callDurationLabel({ startedAt, durationMs: 125_000, endWindow: null })).toEqual({
      text: '2:05',
    });
    const found = callDurationLabel({
      startedAt,
      durationMs: null,
      endWindow: { notBefore: '2026-12-04T10:02:00.000Z', notAfter: '2026-12-04T10:02:12.000Z' },
    });
    expect(found.text).toBe('≥ 2:00, end not seen');
    expect(found.title).toMatch(/^The end was not seen: the call ended between .+ and .+\.$/);
    expect(
      callDurationLabel({
        startedAt,
        durationMs: null,
        endWindow: { notBefore: null, notAfter: '2026-12-04T10:02:12.000Z' },
      }).text,
    ).toBe('end not seen');
  });
});
