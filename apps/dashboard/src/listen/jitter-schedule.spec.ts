import { MAX_LEAD_S, pcm16ToFloat, scheduleFrame, TARGET_LEAD_S } from './jitter-schedule';

describe('scheduleFrame', () => {
  it('starts a track at the target lead, then plays frames back to back', () => {
    const first = scheduleFrame(0, 10, 0.02);
    expect(first.startAt).toBeCloseTo(10 + TARGET_LEAD_S);
    const second = scheduleFrame(first.nextCursor, 10.005, 0.02);
    expect(second.startAt).toBeCloseTo(first.nextCursor);
  });

  it('restarts after a gap and drops frames that would push the delay past the limit', () => {
    expect(scheduleFrame(5, 10, 0.02).startAt).toBeCloseTo(10 + TARGET_LEAD_S);
    const burst = scheduleFrame(10 + MAX_LEAD_S + 0.05, 10, 0.02);
    expect(burst.startAt).toBeUndefined();
    expect(burst.nextCursor).toBeCloseTo(10 + MAX_LEAD_S + 0.05);
  });
});

describe('pcm16ToFloat', () => {
  it('reads little-endian signed 16-bit samples', () => {
    const pcm = new Uint8Array([0x00, 0x80, 0xff, 0x7f, 0x00, 0x00]).buffer;
    expect(Array.from(pcm16ToFloat(pcm))).toEqual([-1, 32767 / 32768, 0]);
  });
});
