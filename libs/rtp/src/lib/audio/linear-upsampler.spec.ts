import { upsample8kTo16kInto, UpsamplerState } from './linear-upsampler';

function tone(length: number, seed: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => Math.round(12000 * Math.sin(i * 0.3 + seed)));
}

describe('upsample8kTo16kInto', () => {
  it('keeps each input sample and puts the mean of it and its predecessor before it', () => {
    const out = new Int16Array(6);
    const state: UpsamplerState = { last: 0 };
    upsample8kTo16kInto(Int16Array.from([100, 200, -300]), 3, out, 0, state);
    expect(Array.from(out)).toEqual([50, 100, 150, 200, -50, -300]);
    expect(state.last).toBe(-300);
  });

  it('runs on across frames exactly as over one long frame', () => {
    const input = tone(480, 1);
    const whole = new Int16Array(960);
    upsample8kTo16kInto(input, 480, whole, 0, { last: 0 });

    const framed = new Int16Array(960);
    const state = { last: 0 };
    for (let frame = 0; frame < 3; frame += 1) {
      upsample8kTo16kInto(input.subarray(frame * 160), 160, framed, frame * 320, state);
    }
    expect(Array.from(framed)).toEqual(Array.from(whole));
    // The first output of frame 2 interpolates towards frame 1's last sample.
    expect(framed[320]).toBe((input[159] + input[160]) >> 1);
  });

  it('uses only inputLength samples of a larger input buffer and writes at an offset', () => {
    const out = new Int16Array(8).fill(9);
    upsample8kTo16kInto(Int16Array.from([10, 20, 30, 40]), 2, out, 2, { last: 10 });
    expect(Array.from(out)).toEqual([9, 9, 10, 10, 15, 20, 9, 9]);
  });

  it('does not overflow at full scale', () => {
    const out = new Int16Array(4);
    upsample8kTo16kInto(Int16Array.from([32767, -32768]), 2, out, 0, { last: 32767 });
    expect(Array.from(out)).toEqual([32767, 32767, -1, -32768]);
  });

  it('refuses a length past the input or an output too short', () => {
    const input = new Int16Array(160);
    expect(() => upsample8kTo16kInto(input, 161, new Int16Array(400), 0, { last: 0 })).toThrow(
      RangeError,
    );
    expect(() => upsample8kTo16kInto(input, 160, new Int16Array(320), 1, { last: 0 })).toThrow(
      RangeError,
    );
  });
});
