import {
  alawDecode,
  alawEncode,
  decodeAlawInto,
  decodeUlawInto,
  encodeAlawInto,
  encodeUlawInto,
  ulawDecode,
  ulawEncode,
} from './g711';

const ALL_CODES = Array.from({ length: 256 }, (_, code) => code);
const ALL_SAMPLES = Array.from({ length: 65536 }, (_, i) => i - 32768);

/**
 * G.711's decoding tables written out from the recommendation's formulas, in the 14-bit (u-law)
 * and 13-bit (A-law) domains the standard uses, then scaled to 16 bits.
 */
function referenceUlaw(code: number): number {
  const inverted = 255 - code;
  const negative = inverted >= 128;
  const segment = Math.floor((inverted % 128) / 16);
  const step = inverted % 16;
  const magnitude14 = (2 * step + 33) * 2 ** segment - 33;
  // + 0 turns the negative zero of code 0x7f into the plain 0 a table holds.
  return (negative ? -magnitude14 : magnitude14) * 4 + 0;
}

function referenceAlaw(code: number): number {
  const toggled = code ^ 0x55;
  const positive = toggled >= 128;
  const segment = Math.floor((toggled % 128) / 16);
  const step = toggled % 16;
  const magnitude13 = segment === 0 ? 2 * step + 1 : (2 * step + 33) * 2 ** (segment - 1);
  return (positive ? magnitude13 : -magnitude13) * 8;
}

/** Half of a segment's quantisation step, in 16-bit units: the most a round trip may be off. */
function halfStep(code: number, law: 'ulaw' | 'alaw'): number {
  const segment = law === 'ulaw' ? ((255 - code) >> 4) & 7 : ((code ^ 0x55) >> 4) & 7;
  return law === 'ulaw' ? 2 ** (segment + 2) : 2 ** Math.max(segment + 2, 3);
}

describe('u-law', () => {
  it.each([
    [0, 0xff],
    [-1, 0x7f],
    [1, 0xff],
    [32767, 0x80],
    [-32768, 0x00],
    [32124, 0x80],
    [-32124, 0x00],
    [100000, 0x80],
    [-100000, 0x00],
  ])('encodes %d as code %d', (sample, code) => {
    expect(ulawEncode(sample)).toBe(code);
  });

  it.each([
    [0xff, 0],
    [0x7f, 0],
    [0x80, 32124],
    [0x00, -32124],
    [0xfe, 8],
    [0x7e, -8],
    [0xf0, 120],
    [0xef, 132],
  ])('decodes code %d as %d', (code, sample) => {
    expect(ulawDecode(code)).toBe(sample);
  });

  it('decodes all 256 codes as the reference formula does', () => {
    expect(ALL_CODES.map(ulawDecode)).toEqual(ALL_CODES.map(referenceUlaw));
  });

  it('keeps every 16-bit sample within half a quantisation step, clipping above 32635', () => {
    for (const sample of ALL_SAMPLES) {
      const code = ulawEncode(sample);
      const decoded = ulawDecode(code);
      if (Math.abs(sample) > 32635) {
        expect(decoded).toBe(Math.sign(sample) * 32124);
      } else if (Math.abs(decoded - sample) > halfStep(code, 'ulaw')) {
        throw new Error(`${sample} -> 0x${code.toString(16)} -> ${decoded}`);
      }
    }
  });

  it('quantises monotonically', () => {
    const decoded = ALL_SAMPLES.map((sample) => ulawDecode(ulawEncode(sample)));
    expect(decoded.every((value, i) => i === 0 || value >= decoded[i - 1])).toBe(true);
  });

  it('re-encodes every decoded code to itself, except negative zero which becomes zero', () => {
    const reencoded = ALL_CODES.map((code) => ulawEncode(ulawDecode(code)));
    expect(reencoded).toEqual(ALL_CODES.map((code) => (code === 0x7f ? 0xff : code)));
  });
});

describe('A-law', () => {
  it.each([
    [0, 0xd5],
    [7, 0xd5],
    [16, 0xd4],
    [-1, 0x55],
    [-8, 0x55],
    [-9, 0x55],
    [-17, 0x54],
    [32767, 0xaa],
    [-32768, 0x2a],
    [100000, 0xaa],
  ])('encodes %d as code %d', (sample, code) => {
    expect(alawEncode(sample)).toBe(code);
  });

  it.each([
    [0xd5, 8],
    [0x55, -8],
    [0xaa, 32256],
    [0x2a, -32256],
    [0xd4, 24],
  ])('decodes code %d as %d', (code, sample) => {
    expect(alawDecode(code)).toBe(sample);
  });

  it('decodes all 256 codes as the reference formula does', () => {
    expect(ALL_CODES.map(alawDecode)).toEqual(ALL_CODES.map(referenceAlaw));
  });

  it('keeps every 16-bit sample within half a quantisation step', () => {
    for (const sample of ALL_SAMPLES) {
      const code = alawEncode(sample);
      const decoded = alawDecode(code);
      if (Math.abs(decoded - sample) > halfStep(code, 'alaw')) {
        throw new Error(`${sample} -> 0x${code.toString(16)} -> ${decoded}`);
      }
    }
  });

  it('quantises monotonically', () => {
    const decoded = ALL_SAMPLES.map((sample) => alawDecode(alawEncode(sample)));
    expect(decoded.every((value, i) => i === 0 || value >= decoded[i - 1])).toBe(true);
  });

  it('re-encodes every decoded code to itself', () => {
    expect(ALL_CODES.map((code) => alawEncode(alawDecode(code)))).toEqual(ALL_CODES);
  });
});

describe('buffer codecs', () => {
  const pcm = Int16Array.from([0, -1, 1000, -1000, 32767, -32768, 12345]);

  it.each([
    ['u-law', encodeUlawInto, ulawEncode],
    ['A-law', encodeAlawInto, alawEncode],
  ])('encode %s one byte per sample at an offset, leaving the rest alone', (_law, into, one) => {
    const out = Buffer.alloc(pcm.length + 4, 0x33);
    into(pcm, out, 3);
    expect([...out]).toEqual([0x33, 0x33, 0x33, ...Array.from(pcm, one), 0x33]);
  });

  it.each([
    ['u-law', decodeUlawInto, ulawDecode],
    ['A-law', decodeAlawInto, alawDecode],
  ])('decode %s at a sample offset, leaving the rest alone', (_law, into, one) => {
    const payload = Buffer.from(ALL_CODES);
    const out = new Int16Array(260).fill(7);
    into(payload, out, 2);
    expect(Array.from(out)).toEqual([7, 7, ...ALL_CODES.map(one), 7, 7]);
  });

  it('decodes a payload that is a view into a larger packet', () => {
    const packet = Buffer.from([1, 2, 3, 0xff, 0x80, 0x00, 9]);
    const out = new Int16Array(3);
    decodeUlawInto(packet.subarray(3, 6), out, 0);
    expect(Array.from(out)).toEqual([0, 32124, -32124]);
  });

  it('refuses outputs too short to hold the result instead of dropping samples', () => {
    expect(() => encodeUlawInto(pcm, Buffer.alloc(pcm.length), 1)).toThrow(RangeError);
    expect(() => encodeAlawInto(pcm, Buffer.alloc(pcm.length), -1)).toThrow(RangeError);
    expect(() => decodeUlawInto(Buffer.alloc(160), new Int16Array(160), 1)).toThrow(RangeError);
    expect(() => decodeAlawInto(Buffer.alloc(160), new Int16Array(100), 0)).toThrow(RangeError);
  });
});
