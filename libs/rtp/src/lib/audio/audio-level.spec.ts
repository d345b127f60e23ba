import { audioLevelDbfs, SILENCE_DBFS } from './audio-level';

function sine(amplitude: number, length = 8000): Int16Array {
  // 1 kHz at 8 kHz: whole periods, so the RMS is exactly amplitude / sqrt(2).
  return Int16Array.from({ length }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * i) / 8 + 0.3)),
  );
}

describe('audioLevelDbfs', () => {
  it('reads a full-scale sine at about -3 dBFS', () => {
    expect(audioLevelDbfs(sine(32767), 0, 8000)).toBeCloseTo(-3.01, 2);
  });

  it('reads a full-scale square wave at 0 dBFS', () => {
    const square = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? -32768 : 32767));
    expect(audioLevelDbfs(square, 0, 160)).toBeCloseTo(0, 3);
  });

  it('drops 6 dB when the amplitude halves', () => {
    const full = audioLevelDbfs(sine(16000), 0, 8000);
    expect(audioLevelDbfs(sine(8000), 0, 8000) - full).toBeCloseTo(-6.02, 1);
  });

  it('measures only the given range', () => {
    const pcm = new Int16Array(320);
    pcm.set(sine(32767, 160), 160);
    expect(audioLevelDbfs(pcm, 0, 160)).toBe(SILENCE_DBFS);
    expect(audioLevelDbfs(pcm, 160, 160)).toBeCloseTo(-3.01, 1);
  });

  it('reads digital silence, an empty range and anything quieter as SILENCE_DBFS', () => {
    expect(SILENCE_DBFS).toBe(-100);
    expect(audioLevelDbfs(new Int16Array(160), 0, 160)).toBe(-100);
    expect(audioLevelDbfs(new Int16Array(160), 10, 0)).toBe(-100);
    const almost = new Int16Array(100_000);
    almost[5] = 1;
    expect(audioLevelDbfs(almost, 0, almost.length)).toBe(-100);
  });

  it('reads the quietest steady signal above the floor', () => {
    expect(audioLevelDbfs(new Int16Array(160).fill(1), 0, 160)).toBeCloseTo(-90.31, 2);
  });

  it('refuses a range outside the samples', () => {
    expect(() => audioLevelDbfs(new Int16Array(160), 100, 61)).toThrow(RangeError);
    expect(() => audioLevelDbfs(new Int16Array(160), -1, 10)).toThrow(RangeError);
  });
});
