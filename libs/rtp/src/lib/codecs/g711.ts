import { assertCapacity } from '../assert-capacity';

// ITU-T G.711. Encoders take 16-bit linear samples (the low bits G.711 ignores are dropped), and
// decoders return the centre of each quantisation interval, scaled back to 16 bits.

/** u-law adds a bias so that every segment starts at a power of two. */
const ULAW_BIAS = 0x84;
/** Largest magnitude that still fits the top segment once biased. */
const ULAW_CLIP = 32635;
/** Even bits of A-law codes are inverted on the wire (ones density for old T1/E1 links). */
const ALAW_TOGGLE = 0x55;

function clampInt16(sample: number): number {
  return sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample | 0;
}

export function ulawEncode(sample: number): number {
  let magnitude = clampInt16(sample);
  let mask = 0xff;
  if (magnitude < 0) {
    magnitude = -magnitude;
    mask = 0x7f;
  }
  if (magnitude > ULAW_CLIP) magnitude = ULAW_CLIP;
  magnitude += ULAW_BIAS;
  // The biased magnitude lies in [2^7, 2^15); its top bit position minus 7 is the segment.
  const segment = 24 - Math.clz32(magnitude);
  const mantissa = (magnitude >> (segment + 3)) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

export function alawEncode(sample: number): number {
  let magnitude = clampInt16(sample);
  let mask = ALAW_TOGGLE | 0x80;
  if (magnitude < 0) {
    // A-law has no zero code: -1 and 0 land in the two innermost intervals, hence ~x, not -x.
    magnitude = ~magnitude;
    mask = ALAW_TOGGLE;
  }
  const linear13 = magnitude >> 3;
  if (linear13 < 32) return (linear13 >> 1) ^ mask;
  const segment = 27 - Math.clz32(linear13);
  const mantissa = (linear13 >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

function ulawDecodeByFormula(byte: number): number {
  const code = ~byte & 0xff;
  const segment = (code >> 4) & 0x07;
  const magnitude = ((((code & 0x0f) << 3) + ULAW_BIAS) << segment) - ULAW_BIAS;
  return code & 0x80 ? -magnitude : magnitude;
}

function alawDecodeByFormula(byte: number): number {
  const code = byte ^ ALAW_TOGGLE;
  const segment = (code >> 4) & 0x07;
  const mantissa = code & 0x0f;
  const magnitude =
    segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return code & 0x80 ? magnitude : -magnitude;
}

function decodeTable(decode: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let byte = 0; byte < 256; byte += 1) table[byte] = decode(byte);
  return table;
}

/** Decoding runs on every received byte; a 512-byte table lookup beats the bit arithmetic. */
const ULAW_DECODE = decodeTable(ulawDecodeByFormula);
const ALAW_DECODE = decodeTable(alawDecodeByFormula);

export function ulawDecode(byte: number): number {
  return ULAW_DECODE[byte & 0xff];
}

export function alawDecode(byte: number): number {
  return ALAW_DECODE[byte & 0xff];
}

export function encodeUlawInto(pcm: Int16Array, out: Buffer, outOffset: number): void {
  assertCapacity(out.length, outOffset, pcm.length);
  for (let i = 0; i < pcm.length; i += 1) out[outOffset + i] = ulawEncode(pcm[i]);
}

export function encodeAlawInto(pcm: Int16Array, out: Buffer, outOffset: number): void {
  assertCapacity(out.length, outOffset, pcm.length);
  for (let i = 0; i < pcm.length; i += 1) out[outOffset + i] = alawEncode(pcm[i]);
}

export function decodeUlawInto(payload: Buffer, out: Int16Array, outOffset: number): void {
  assertCapacity(out.length, outOffset, payload.length);
  for (let i = 0; i < payload.length; i += 1) out[outOffset + i] = ULAW_DECODE[payload[i]];
}

export function decodeAlawInto(payload: Buffer, out: Int16Array, outOffset: number): void {
  assertCapacity(out.length, outOffset, payload.length);
  for (let i = 0; i < payload.length; i += 1) out[outOffset + i] = ALAW_DECODE[payload[i]];
}
