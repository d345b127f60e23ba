import { PcmFrameSlab } from './pcm-frame-slab';

describe('PcmFrameSlab', () => {
  it('never hands out the same memory twice, across chunks too', () => {
    const slab = new PcmFrameSlab();
    const payloads: Buffer[] = [];
    for (let frame = 0; frame < 300; frame += 1) {
      const offset = slab.reserve(320);
      slab.samples.fill(frame, offset, offset + 320);
      payloads.push(slab.payload(offset, 320));
    }
    payloads.forEach((payload, frame) => {
      expect(payload.byteLength).toBe(640);
      const samples = new Int16Array(payload.buffer, payload.byteOffset, 320);
      expect(samples.every((sample) => sample === frame)).toBe(true);
    });
  });
});
