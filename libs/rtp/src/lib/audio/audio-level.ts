/** What silence reports: digital silence has no finite level, and JSON cannot carry -Infinity. */
export const SILENCE_DBFS = -100;

/**
 * RMS level of `length` samples from `offset`, in dB relative to a full-scale square wave, so a
 * full-scale sine reads about -3 dBFS (the AES17 convention would read 0). Levels below
 * SILENCE_DBFS, digital silence and an empty range all read SILENCE_DBFS.
 */
export function audioLevelDbfs(pcm: Int16Array, offset: number, length: number): number {
  if (offset < 0 || length < 0 || offset + length > pcm.length) {
    throw new RangeError(`samples ${offset}..${offset + length} are outside ${pcm.length}`);
  }
  if (length === 0) return SILENCE_DBFS;
  let sumOfSquares = 0;
  for (let i = offset; i < offset + length; i += 1) sumOfSquares += pcm[i] * pcm[i];
  const rms = Math.sqrt(sumOfSquares / length) / 32768;
  const level = 20 * Math.log10(rms);
  return level > SILENCE_DBFS ? level : SILENCE_DBFS;
}
