/**
 * Streaming sample-rate converter for 16-bit PCM between the bridge's rates (8 and 16 kHz) and
 * the ones backends ask for (8, 16, 24, 48 kHz). Output samples are linearly interpolated at
 * positions kept as exact fractions (numerator over the output rate), so ratios such as 1/3 never
 * drift over a long call; state carries across frames. Going down (16 -> 8 kHz) a [1 2 1]/4
 * low-pass runs first, which keeps most of what lies above the new Nyquist frequency out. Linear
 * interpolation is a speech-grade converter, not a band-limited one: cheap, and what speech
 * recognisers are fed at these rates anyway.
 */
export class Pcm16Resampler {
  /** The input sample before the current block (x[-1]). */
  private last = 0;
  /** Position of the next output sample in input samples, times the output rate, from x[0]. */
  private position = 0;
  private readonly lowPass: boolean;
  private filterPrevious = 0;
  private filterPrevious2 = 0;
  private filtered = new Int16Array(0);

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    if (
      !Number.isInteger(inputRate) ||
      !Number.isInteger(outputRate) ||
      inputRate <= 0 ||
      outputRate <= 0
    ) {
      throw new RangeError(`bad rates ${inputRate} -> ${outputRate}`);
    }
    this.lowPass = outputRate < inputRate;
  }

  /** Most samples process() can write for an input of this length. */
  maxOutput(inputLength: number): number {
    return Math.ceil((inputLength * this.outputRate) / this.inputRate) + 1;
  }

  /** Converts `input` into `out` (at least maxOutput(input.length) long); returns the count written. */
  process(input: Int16Array, out: Int16Array): number {
    const n = input.length;
    if (n === 0) return 0;
    if (this.inputRate === this.outputRate) {
      out.set(input);
      return n;
    }
    const x = this.lowPass ? this.filter(input) : input;
    const den = this.outputRate;
    const step = this.inputRate;
    const limit = (n - 1) * den;
    let position = this.position;
    let written = 0;
    while (position <= limit) {
      let a: number;
      let b: number;
      let fraction: number;
      if (position < 0) {
        a = this.last;
        b = x[0];
        fraction = position + den;
      } else {
        const index = Math.floor(position / den);
        fraction = position - index * den;
        a = x[index];
        b = index + 1 < n ? x[index + 1] : a;
      }
      out[written] = a + Math.round(((b - a) * fraction) / den);
      written += 1;
      position += step;
    }
    this.position = position - n * den;
    this.last = x[n - 1];
    return written;
  }

  /** [1 2 1]/4 over the input, delayed by one sample so it needs no look-ahead. */
  private filter(input: Int16Array): Int16Array {
    if (this.filtered.length < input.length) this.filtered = new Int16Array(input.length);
    const out = this.filtered;
    let p1 = this.filterPrevious;
    let p2 = this.filterPrevious2;
    for (let i = 0; i < input.length; i += 1) {
      const sample = input[i];
      out[i] = (p2 + 2 * p1 + sample) >> 2;
      p2 = p1;
      p1 = sample;
    }
    this.filterPrevious = p1;
    this.filterPrevious2 = p2;
    return out.subarray(0, input.length);
  }
}
