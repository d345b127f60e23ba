import { ReorderWindow } from './reorder-window';
import { RtpStreamCounters } from './rtp-stream-counters';

/** A window whose packets are one-byte buffers holding their sequence number (mod 256). */
function windowOf(capacity: number) {
  const counters = new RtpStreamCounters();
  const released: Array<{ sequence: number; place: number; capturedAt: number }> = [];
  const window = new ReorderWindow(capacity, counters, (packet, payloadOffset, place, capturedAt) =>
    released.push({ sequence: packet[payloadOffset], place, capturedAt }),
  );
  /** Each packet is pushed with a capture time of 1000 + its sequence number. */
  const push = (sequences: number[], nowMs = 0) => {
    for (const sequence of sequences) {
      window.push(sequence, Buffer.from([0, sequence & 0xff]), 1, nowMs, 1000 + sequence);
    }
  };
  return { window, counters, released, push };
}

describe('ReorderWindow', () => {
  it('releases an in-order stream at once, place by place', () => {
    const { released, push, counters } = windowOf(3);
    push([10, 11, 12]);
    expect(released).toMatchObject([
      { sequence: 10, place: 0 },
      { sequence: 11, place: 1 },
      { sequence: 12, place: 2 },
    ]);
    expect(counters).toMatchObject({ lost: 0, reordered: 0, late: 0 });
  });

  it('holds packets behind a missing one and puts a late-comer back in place', () => {
    const { released, push, counters } = windowOf(3);
    push([0, 2, 3]);
    expect(released.map((r) => r.sequence)).toEqual([0]);
    push([1]);
    expect(released.map((r) => r.sequence)).toEqual([0, 1, 2, 3]);
    expect(released.map((r) => r.place)).toEqual([0, 1, 2, 3]);
    expect(released.map((r) => r.capturedAt)).toEqual([1000, 1001, 1002, 1003]);
    expect(counters).toMatchObject({ lost: 0, reordered: 1, late: 0 });
  });

  it('gives a place up once a packet more than `capacity` places after it arrives', () => {
    const { released, push, counters } = windowOf(3);
    push([0, 2, 3, 4]);
    expect(released.map((r) => r.sequence)).toEqual([0]);
    push([5]);
    expect(released).toMatchObject(
      [0, 2, 3, 4, 5].map((sequence) => ({ sequence, place: sequence })),
    );
    push([1]);
    expect(counters).toMatchObject({ lost: 1, late: 1, reordered: 0 });
    expect(released).toHaveLength(5);
  });

  it('skips a long gap in one go and keeps places counting through it', () => {
    const { released, push, counters } = windowOf(3);
    push([0, 1, 2, 1002]);
    push([1003, 1004, 1005]);
    expect(released.map((r) => r.place)).toEqual([0, 1, 2, 1002, 1003, 1004, 1005]);
    expect(counters.lost).toBe(999);
  });

  it('releases in arrival order with capacity 0, counting gaps lost and stragglers late', () => {
    const { released, push, counters } = windowOf(0);
    push([0, 2, 1, 3]);
    expect(released.map((r) => r.sequence)).toEqual([0, 2, 3]);
    expect(released.map((r) => r.place)).toEqual([0, 2, 3]);
    expect(counters).toMatchObject({ lost: 1, late: 1, reordered: 0 });
  });

  it('follows sequence numbers across the 16-bit wrap', () => {
    const { released, push, counters } = windowOf(3);
    push([65534, 0, 65535, 1]);
    expect(released.map((r) => r.place)).toEqual([0, 1, 2, 3]);
    expect(counters).toMatchObject({ lost: 0, reordered: 1 });
  });

  it('releases what it holds once the hold is stale, not before', () => {
    const { window, released, push, counters } = windowOf(3);
    push([0, 2, 3], 1000);
    window.releaseIfStale(1050, 100);
    expect(released).toHaveLength(1);
    window.releaseIfStale(1101, 100);
    expect(released.map((r) => r.place)).toEqual([0, 2, 3]);
    expect(counters.lost).toBe(1);
  });

  it('flushes and starts over from the next packet after a restart, places running on', () => {
    const { window, released, push } = windowOf(3);
    push([100, 102]);
    window.restart();
    push([7, 8]);
    expect(released.map((r) => [r.sequence, r.place])).toEqual([
      [100, 0],
      [102, 2],
      [7, 3],
      [8, 4],
    ]);
  });

  it('counts a packet pushed twice into a held place once', () => {
    const { window, released, push } = windowOf(3);
    push([0, 2, 2]);
    window.flush();
    expect(released.map((r) => r.sequence)).toEqual([0, 2]);
  });
});
