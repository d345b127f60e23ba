import { alawDecode, ulawEncode } from '../codecs/g711';

/**
 * Audio as misconfigured systems deliver it, for the simulator to send and the analysis to be
 * tested on. Each is defined on the samples a consumer ends up with, so it holds in every RTP
 * format: byte-swapped audio sent as slin is exactly the little-endian payload a wrong encoder
 * writes, and u-law read as a-law sent as alaw is exactly the u-law bytes.
 */
export const AUDIO_DEFECTS = [
  'byte_swapped',
  'ulaw_as_alaw',
  'rate_8k_as_16k',
  'silence',
  'clipped',
] as const;
export type AudioDefect = (typeof AUDIO_DEFECTS)[number];

/** A gain that drives normalised speech (-3 dBFS peaks) far into the rails. */
const CLIPPING_GAIN = 8;

function mapSamples(samples: Int16Array, map: (sample: number) => number): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i += 1) out[i] = map(samples[i]);
  return out;
}

/** One recording at both rates the streams carry. */
export interface Recording {
  8000: Int16Array;
  16000: Int16Array;
}

/**
 * The defective version of a recording as a stream at `rate` carries it. `rate_8k_as_16k` plays
 * the 8 kHz recording at 16 kHz (every frequency doubled, twice as fast); on an 8 kHz stream it
 * is the mirror mistake, the 16 kHz recording played at 8 kHz (half speed, muffled).
 */
export function withAudioDefect(
  defect: AudioDefect,
  recording: Recording,
  rate: 8000 | 16000,
): Int16Array {
  const samples = recording[rate];
  switch (defect) {
    case 'byte_swapped':
      return mapSamples(samples, (s) => ((((s & 0xff) << 8) | ((s >> 8) & 0xff)) << 16) >> 16);
    case 'ulaw_as_alaw':
      return mapSamples(samples, (s) => alawDecode(ulawEncode(s)));
    case 'rate_8k_as_16k':
      return recording[rate === 16000 ? 8000 : 16000].slice();
    case 'silence':
      return new Int16Array(samples.length);
    case 'clipped':
      return mapSamples(samples, (s) => Math.max(-32768, Math.min(32767, s * CLIPPING_GAIN)));
  }
}
