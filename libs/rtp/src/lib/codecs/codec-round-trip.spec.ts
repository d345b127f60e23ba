import { alawDecode, alawEncode, ulawDecode, ulawEncode } from './g711';
import { throughCodec } from './codec-round-trip';

describe('throughCodec', () => {
  const pcm = Int16Array.from([0, 1, -1, 100, -1000, 12345, -32768, 32767]);

  it("quantises as each G.711 law does and leaves slin's samples as they are", () => {
    expect([...throughCodec(pcm, 'ulaw')]).toEqual([...pcm].map((s) => ulawDecode(ulawEncode(s))));
    expect([...throughCodec(pcm, 'alaw')]).toEqual([...pcm].map((s) => alawDecode(alawEncode(s))));
    expect(throughCodec(pcm, 'slin16')).toEqual(pcm);
    expect(throughCodec(pcm, 'slin')).not.toBe(pcm);
  });
});
