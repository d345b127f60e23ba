import {
  CallSchedule,
  MAX_LEAD_S,
  pcm16ToFloat,
  scheduleFrame,
  TARGET_LEAD_S,
} from './jitter-schedule';

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

describe('CallSchedule', () => {
  const T = 1_796_300_000_000;
  /** Frame `index` (20 ms at 8 kHz) of a run, captured at `capturedAt`. */
  const frame = (track: string, index: number, capturedAt?: number, runId = `${track}-1`) => ({
    track,
    timestamp: index * 160,
    sampleRate: 8000,
    capturedAt,
    runId,
  });

  it('plays caller and agent audio captured together at the same moment, whichever came first', () => {
    const schedule = new CallSchedule();
    const caller = schedule.place(frame('caller', 0, T), 10, 0.02) as number;
    expect(caller).toBeCloseTo(10 + TARGET_LEAD_S);
    // The agent's frame of the same moment arrives 60 ms later; its next one too.
    expect(schedule.place(frame('agent', 0, T), 10.06, 0.02)).toBeCloseTo(caller);
    expect(schedule.place(frame('agent', 1, T + 20), 10.07, 0.02)).toBeCloseTo(caller + 0.02);
    // The caller's frames go on back to back.
    expect(schedule.place(frame('caller', 1, T + 20), 10.02, 0.02)).toBeCloseTo(caller + 0.02);
  });

  it('follows the sample timestamps within a run, not the jitter of its capture times', () => {
    const schedule = new CallSchedule();
    const first = schedule.place(frame('caller', 0, T), 10, 0.02) as number;
    expect(schedule.place(frame('caller', 1, T + 23), 10.02, 0.02)).toBeCloseTo(first + 0.02, 6);
    expect(schedule.place(frame('caller', 2, T + 38), 10.04, 0.02)).toBeCloseTo(first + 0.04, 6);
  });

  it("leaves a re-tap's outage as silence and skips audio both taps delivered", () => {
    const schedule = new CallSchedule();
    const first = schedule.place(frame('caller', 0, T), 10, 0.02) as number;
    schedule.place(frame('caller', 1, T + 20), 10.02, 0.02);
    // The new tap's first frame repeats the moment of T + 20: already played.
    expect(schedule.place(frame('caller', 0, T + 20, 'caller-2'), 10.03, 0.02)).toBeUndefined();
    // 100 ms of the new run later the track goes on where that run puts it, not at the cursor.
    const later = frame('caller', 6, T + 143, 'caller-2');
    expect(schedule.place(later, 10.05, 0.02)).toBeCloseTo(first + 0.14, 6);
  });

  it('sets the offset again when a frame would play late or too far ahead', () => {
    const schedule = new CallSchedule();
    schedule.place(frame('caller', 0, T), 10, 0.02);
    // A stall: the next frame arrives a second later than its place.
    expect(schedule.place(frame('caller', 1, T + 20), 11, 0.02)).toBeCloseTo(11 + TARGET_LEAD_S);
    // The stream catches up: a frame that would play beyond MAX_LEAD_S resets the offset (it
    // lands within half a frame of the track's end, so it plays on from there), and audio now
    // behind the track's cursor is skipped.
    expect(schedule.place(frame('caller', 75, T + 1500), 11.01, 0.02)).toBeCloseTo(
      11.02 + TARGET_LEAD_S,
    );
    expect(schedule.place(frame('caller', 74, T + 1480), 11.02, 0.02)).toBeUndefined();
  });

  it('falls back to the per-track schedule for frames without a capture time', () => {
    const schedule = new CallSchedule();
    expect(schedule.place(frame('caller', 0), 10, 0.02)).toBeCloseTo(10 + TARGET_LEAD_S);
    expect(schedule.place(frame('caller', 1), 10.005, 0.02)).toBeCloseTo(10.02 + TARGET_LEAD_S);
  });
});

describe('pcm16ToFloat', () => {
  it('reads little-endian signed 16-bit samples', () => {
    const pcm = new Uint8Array([0x00, 0x80, 0xff, 0x7f, 0x00, 0x00]).buffer;
    expect(Array.from(pcm16ToFloat(pcm))).toEqual([-1, 32767 / 32768, 0]);
  });
});
