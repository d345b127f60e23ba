import { pcm16ToSlinBeInto, slinBeToPcm16Into } from './slin';

const EDGES = [0, 1, -1, 255, 256, -256, 0x1234, 32767, -32768];

function bigEndian(samples: number[]): number[] {
  return samples.flatMap((s) => [(s >> 8) & 0xff, s & 0xff]);
}

describe('slin big-endian', () => {
  it('writes 2 bytes per sample, most significant first, at an odd byte offset', () => {
    const out = Buffer.alloc(EDGES.length * 2 + 2, 0xee);
    pcm16ToSlinBeInto(Int16Array.from(EDGES), out, 1);
    expect([...out]).toEqual([0xee, ...bigEndian(EDGES), 0xee]);
  });

  it('reads samples from a payload at an odd byte offset into a sample offset', () => {
    const packet = Buffer.from([0x99, ...bigEndian(EDGES)]);
    const out = new Int16Array(EDGES.length + 3).fill(5);
    slinBeToPcm16Into(packet.subarray(1), out, 2);
    expect(Array.from(out)).toEqual([5, 5, ...EDGES, 5]);
  });

  it('reads into an Int16Array that is itself a view at an offset', () => {
    const backing = new Int16Array(12).fill(5);
    const view = backing.subarray(3, 3 + EDGES.length);
    slinBeToPcm16Into(Buffer.from(bigEndian(EDGES)), view, 0);
    expect(Array.from(backing)).toEqual([5, 5, 5, ...EDGES]);
  });

  it('leaves the received payload untouched', () => {
    const payload = Buffer.from(bigEndian(EDGES));
    const before = Buffer.from(payload);
    slinBeToPcm16Into(payload, new Int16Array(EDGES.length), 0);
    expect(payload.equals(before)).toBe(true);
  });

  it('leaves the source samples untouched when encoding', () => {
    const pcm = Int16Array.from(EDGES);
    pcm16ToSlinBeInto(pcm, Buffer.alloc(EDGES.length * 2), 0);
    expect(Array.from(pcm)).toEqual(EDGES);
  });

  it('converts every 16-bit value exactly both ways, as readInt16BE reads it', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const wire = Buffer.alloc(all.length * 2);
    pcm16ToSlinBeInto(all, wire, 0);
    for (let i = 0; i < all.length; i += 1) {
      if (wire.readInt16BE(i * 2) !== all[i]) throw new Error(`sample ${all[i]} written wrong`);
    }
    const back = new Int16Array(all.length);
    slinBeToPcm16Into(wire, back, 0);
    expect(Buffer.from(back.buffer).equals(Buffer.from(all.buffer))).toBe(true);
  });

  it('handles payloads shorter than swap16 hands to native code', () => {
    const out = new Int16Array(2);
    slinBeToPcm16Into(Buffer.from([0x80, 0x00, 0x00, 0x01]), out, 0);
    expect(Array.from(out)).toEqual([-32768, 1]);
  });

  it('ignores a trailing odd byte, which cannot be half a sample', () => {
    const out = new Int16Array(2).fill(9);
    slinBeToPcm16Into(Buffer.from([0x01, 0x02, 0x03]), out, 0);
    expect(Array.from(out)).toEqual([0x0102, 9]);
  });

  it('refuses outputs too short to hold the result', () => {
    expect(() => pcm16ToSlinBeInto(new Int16Array(4), Buffer.alloc(8), 1)).toThrow(RangeError);
    expect(() => slinBeToPcm16Into(Buffer.alloc(640), new Int16Array(320), 1)).toThrow(RangeError);
  });
});
