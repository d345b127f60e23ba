import { CaptureClock } from './capture-clock';

const RATE = 8000;
const T0 = 1_796_300_000_000;
/** RTP timestamps start anywhere; this one wraps after a few packets. */
const RTP0 = 0xffffff00;

function rtpAt(ms: number): number {
  return (RTP0 + (ms * RATE) / 1000) >>> 0;
}

describe('CaptureClock', () => {
  it('takes the fastest packet as the mapping, so packets read late keep their capture time', () => {
    const clock = new CaptureClock(RATE);
    expect(clock.stamp(rtpAt(0), T0 + 5)).toBe(T0 + 5);
    // Captured at 20 ms, arrived with 1 ms of delay: the best mapping so far.
    expect(clock.stamp(rtpAt(20), T0 + 21)).toBe(T0 + 21);
    // A burst read after a 700 ms stall, across the RTP timestamp's 32-bit wrap.
    for (let ms = 40; ms <= 700; ms += 20) {
      expect(clock.stamp(rtpAt(ms), T0 + 720)).toBe(T0 + ms + 1);
    }
  });

  it("follows the sender's clock within two windows when it drifts", () => {
    const clock = new CaptureClock(RATE);
    // Our clock runs 1 % faster than the sender's: a packet's delay seems to grow 0.2 ms a packet.
    let last = 0;
    for (let packet = 0; packet < 250; packet += 1) {
      const sentMs = packet * 20;
      last = clock.stamp(rtpAt(sentMs), T0 + sentMs * 1.01 + 2);
    }
    const arrival = T0 + 249 * 20 * 1.01 + 2;
    expect(arrival - last).toBeLessThan(25);
    expect(arrival - last).toBeGreaterThanOrEqual(0);
  });

  it('leaves no false time where the sequence jumps or the sender pauses', () => {
    const clock = new CaptureClock(RATE);
    clock.stamp(rtpAt(0), T0);
    // Asterisk's RTP time follows its clock, so a 3 s pause shows in the timestamp, not as delay.
    expect(clock.stamp(rtpAt(3000), T0 + 3000)).toBe(T0 + 3000);
    expect(clock.stamp(rtpAt(3020), T0 + 3020)).toBe(T0 + 3020);
  });

  it('starts over when the RTP clock goes back further than any delay', () => {
    const clock = new CaptureClock(RATE);
    clock.stamp(rtpAt(60_000), T0);
    expect(clock.stamp(rtpAt(0), T0 + 20)).toBe(T0 + 20);
    expect(clock.stamp(rtpAt(20), T0 + 40)).toBe(T0 + 40);
  });

  it('starts over after reset, for a new stream into the same port', () => {
    const clock = new CaptureClock(RATE);
    clock.stamp(rtpAt(0), T0);
    clock.reset();
    expect(clock.stamp(12345, T0 + 500)).toBe(T0 + 500);
  });
});
