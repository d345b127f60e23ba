/**
 * Pearson correlation over the first min(a.length, b.length) samples: 1 for the same waveform
 * at any gain, -1 for an inverted one, about 0 for unrelated signals. Returns 0 when either side
 * is constant (including silence), where the coefficient is undefined. Means are taken first
 * because one-pass sums of squares lose precision over minutes of 16-bit audio.
 */
export function correlation(a: Int16Array, b: Int16Array): number {
  const length = Math.min(a.length, b.length);
  if (length === 0) return 0;
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < length; i += 1) {
    sumA += a[i];
    sumB += b[i];
  }
  const meanA = sumA / length;
  const meanB = sumB / length;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < length; i += 1) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  if (varianceA === 0 || varianceB === 0) return 0;
  const r = covariance / Math.sqrt(varianceA * varianceB);
  // Rounding can push a perfect match a hair past ±1.
  return Math.max(-1, Math.min(1, r));
}
