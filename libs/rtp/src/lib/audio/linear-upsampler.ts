import { assertCapacity } from '../assert-capacity';

/** The last input sample of the previous frame, so interpolation runs on across frames. */
export interface UpsamplerState {
  last: number;
}

/**
 * Doubles the rate of 8 kHz PCM for consumers that only take 16 kHz: each input sample is
 * preceded by the mean of it and the sample before it, which delays the audio by half an
 * input sample (62.5 µs). This is a cheap linear interpolator, not a band-limited resampler:
 * it adds faint images above 4 kHz, which speech recognisers tolerate, at a fraction of the cost
 * of a polyphase filter. Writes `2 * inputLength` samples.
 */
export function upsample8kTo16kInto(
  input: Int16Array,
  inputLength: number,
  out: Int16Array,
  outOffset: number,
  state: UpsamplerState,
): void {
  if (inputLength > input.length) {
    throw new RangeError(`inputLength ${inputLength} exceeds the input's ${input.length} samples`);
  }
  assertCapacity(out.length, outOffset, inputLength * 2);
  let previous = state.last;
  for (let i = 0; i < inputLength; i += 1) {
    const sample = input[i];
    out[outOffset + 2 * i] = (previous + sample) >> 1;
    out[outOffset + 2 * i + 1] = sample;
    previous = sample;
  }
  state.last = previous;
}
