import type { RtpStreamCounters } from './rtp-stream-counters';

/**
 * Receives each packet in sequence order. `place` counts the places of the stream since it
 * started, given-up ones included, so `place * samplesPerFrame` is the frame's sample index;
 * `capturedAt` is what the packet was pushed with.
 */
export type ReleasePacket = (
  packet: Buffer,
  payloadOffset: number,
  place: number,
  capturedAt: number,
) => void;

/**
 * Puts an RTP stream back in sequence order before it becomes frames, holding back at most
 * `capacity` packets while one is missing. A missing packet is waited for until a packet more
 * than `capacity` places after it arrives (or the hold grows stale, see releaseIfStale); its
 * place is then given up and counted lost, and if it comes afterwards it is counted late and
 * dropped, since consumers have already moved past it. Capacity 0 releases every packet as it
 * comes. Duplicates must be filtered out before (SequenceTracker does).
 *
 * Held packets are the datagram Buffers Node hands to the socket listener: each is its own
 * memory, so holding a reference copies nothing and allocates nothing.
 */
export class ReorderWindow {
  private started = false;
  /** 16-bit sequence number of the next place to release. */
  private nextSequence = 0;
  private nextPlace = 0;
  private readonly size: number;
  private readonly packets: Array<Buffer | undefined>;
  private readonly payloadOffsets: Int32Array;
  private readonly capturedAts: Float64Array;
  private held = 0;
  /** Distance from nextSequence of the furthest held packet; 0 when nothing is held. */
  private furthest = 0;
  private holdingSince = 0;

  constructor(
    private readonly capacity: number,
    private readonly counters: RtpStreamCounters,
    private readonly release: ReleasePacket,
  ) {
    this.size = capacity + 1;
    this.packets = new Array<Buffer | undefined>(this.size).fill(undefined);
    this.payloadOffsets = new Int32Array(this.size);
    this.capturedAts = new Float64Array(this.size);
  }

  push(
    sequence: number,
    packet: Buffer,
    payloadOffset: number,
    nowMs: number,
    capturedAt: number,
  ): void {
    if (!this.started) {
      this.started = true;
      this.nextSequence = sequence;
    }
    // Signed 16-bit distance, right across the wrap from 65535 to 0.
    let distance = ((sequence - this.nextSequence) << 16) >> 16;
    if (distance < 0) {
      this.counters.late += 1;
      return;
    }
    if (distance < this.furthest) this.counters.reordered += 1;
    if (distance > this.capacity) {
      this.giveUp(distance - this.capacity);
      distance = this.capacity;
    }
    if (distance === 0) {
      this.emit(packet, payloadOffset, capturedAt);
    } else {
      const index = (this.nextPlace + distance) % this.size;
      // Counting a refilled place twice would make flush() loop forever.
      if (this.packets[index] === undefined) {
        if (this.held === 0) this.holdingSince = nowMs;
        this.held += 1;
      }
      this.packets[index] = packet;
      this.payloadOffsets[index] = payloadOffset;
      this.capturedAts[index] = capturedAt;
      if (distance > this.furthest) this.furthest = distance;
    }
    this.drain();
  }

  /**
   * Gives up on missing packets once packets have been held for longer than `maxHoldMs`: a stream
   * that pauses or ends behind a gap would otherwise keep its last frames forever.
   */
  releaseIfStale(nowMs: number, maxHoldMs: number): void {
    if (this.held > 0 && nowMs - this.holdingSince > maxHoldMs) this.flush();
  }

  /** Releases everything held, giving up the missing places in between. */
  flush(): void {
    while (this.held > 0) this.step();
  }

  /** The sender renumbered its packets: release what is held and follow the new numbering. */
  restart(): void {
    this.flush();
    this.started = false;
  }

  private giveUp(places: number): void {
    // Held packets sit at most `capacity` places ahead, so stepping one more than that releases
    // them all; the places after that are empty and are skipped in one go.
    const stepped = Math.min(places, this.capacity + 1);
    for (let i = 0; i < stepped; i += 1) this.step();
    const skipped = places - stepped;
    if (skipped > 0) {
      this.counters.lost += skipped;
      this.advance(skipped);
    }
  }

  private drain(): void {
    while (this.held > 0 && this.packets[this.nextPlace % this.size] !== undefined) this.step();
  }

  private step(): void {
    const index = this.nextPlace % this.size;
    const packet = this.packets[index];
    if (packet === undefined) {
      this.counters.lost += 1;
      this.advance(1);
      return;
    }
    this.packets[index] = undefined;
    this.held -= 1;
    this.emit(packet, this.payloadOffsets[index], this.capturedAts[index]);
  }

  private emit(packet: Buffer, payloadOffset: number, capturedAt: number): void {
    this.release(packet, payloadOffset, this.nextPlace, capturedAt);
    this.advance(1);
  }

  private advance(places: number): void {
    this.nextPlace += places;
    this.nextSequence = (this.nextSequence + places) & 0xffff;
    this.furthest = this.furthest > places ? this.furthest - places : 0;
  }
}
