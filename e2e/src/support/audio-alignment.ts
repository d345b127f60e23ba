import { join } from 'node:path';
import { correlation, readWavPcm16 } from '@asb/rtp';
import { WORKSPACE_ROOT } from './workspace';

const FIXTURES = join(WORKSPACE_ROOT, 'apps/asterisk-sim/fixtures');

/** A speech fixture (8 kHz) as the simulator loops it, from sample `start`, for `length` samples. */
export function loopedFixture(voice: string, length: number, start = 0): Int16Array {
  const source = readWavPcm16(join(FIXTURES, `${voice}-8k.wav`)).samples;
  return Int16Array.from({ length }, (_, i) => source[(start + i) % source.length]);
}

function decimate(samples: Int16Array, factor: number): Float64Array {
  const out = new Float64Array(Math.floor(samples.length / factor));
  for (let i = 0; i < out.length; i += 1) {
    let sum = 0;
    for (let k = 0; k < factor; k += 1) sum += samples[i * factor + k];
    out[i] = sum / factor;
  }
  return out;
}

function pearson(a: Float64Array, aFrom: number, b: Float64Array, bFrom: number, length: number) {
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < length; i += 1) {
    sa += a[aFrom + i];
    sb += b[bFrom + i];
  }
  const ma = sa / length;
  const mb = sb / length;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < length; i += 1) {
    const da = a[aFrom + i] - ma;
    const db = b[bFrom + i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

/**
 * How well `received` matches `reference` once aligned: a receiver's recording starts somewhere
 * into the reference (a stream connects after the tap began) and may lead with silence. Finds the
 * shift (received[i] ~ reference[i + shift], shift in [-maxLead, maxShift]) coarsely at 1/8 of
 * the rate, refines it at full rate, and returns the correlation over the overlap.
 */
export function alignedCorrelation(
  received: Int16Array,
  reference: Int16Array,
  maxShift: number,
  maxLead = 4000,
): { shift: number; score: number } {
  const factor = 8;
  const r = decimate(received, factor);
  const f = decimate(reference, factor);
  const window = Math.min(r.length - Math.ceil(maxLead / factor), 2000);
  let best = { shift: 0, score: -2 };
  for (let s = -Math.floor(maxLead / factor); s <= Math.floor(maxShift / factor); s += 1) {
    const rFrom = s < 0 ? -s : 0;
    const fFrom = s < 0 ? 0 : s;
    if (rFrom + window > r.length || fFrom + window > f.length) continue;
    const score = pearson(r, rFrom, f, fFrom, window);
    if (score > best.score) best = { shift: s * factor, score };
  }
  let refined = { shift: best.shift, score: -2 };
  for (let shift = best.shift - factor; shift <= best.shift + factor; shift += 1) {
    const from = shift < 0 ? -shift : 0;
    const a = received.subarray(from);
    const b = reference.subarray(Math.max(0, shift));
    const score = correlation(a, b);
    if (score > refined.score) refined = { shift, score };
  }
  return refined;
}
