import {
  RTP_PACKET_REJECTION_SLOT,
  RTP_PACKET_REJECTIONS,
  RtpPacketRejection,
} from './rtp-packet-rejection';

/**
 * Totals of one stream since its allocation: plain fields bumped on the hot path, read by the
 * stats publisher and summed into the Prometheus counters when they are scraped.
 */
export class RtpStreamCounters {
  /** Every datagram that reached the socket, valid or not. */
  datagrams = 0;
  /** Valid RTP packets of the stream (duplicates and late ones included). */
  packets = 0;
  /** Bytes of those packets, RTP headers included. */
  bytes = 0;
  duplicates = 0;
  /** Arrived out of order but in time to be put back in place. */
  reordered = 0;
  /** Arrived after their place had been given up. */
  late = 0;
  /**
   * Places given up because their packet had not come when the reorder window moved on. A packet
   * arriving afterwards counts as late and stays lost: its audio never reached consumers.
   */
  lost = 0;
  /** Times another sender took the stream over after the latched one fell silent. */
  relatched = 0;
  readonly rejectedBySlot = new Float64Array(RTP_PACKET_REJECTIONS.length);

  reject(reason: RtpPacketRejection): void {
    this.rejectedBySlot[RTP_PACKET_REJECTION_SLOT[reason]] += 1;
  }

  get rejected(): number {
    let total = 0;
    for (const count of this.rejectedBySlot) total += count;
    return total;
  }

  add(other: RtpStreamCounters): void {
    this.datagrams += other.datagrams;
    this.packets += other.packets;
    this.bytes += other.bytes;
    this.duplicates += other.duplicates;
    this.reordered += other.reordered;
    this.late += other.late;
    this.lost += other.lost;
    this.relatched += other.relatched;
    for (let slot = 0; slot < this.rejectedBySlot.length; slot += 1) {
      this.rejectedBySlot[slot] += other.rejectedBySlot[slot];
    }
  }
}
