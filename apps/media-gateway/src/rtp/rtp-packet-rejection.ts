import type { RtpRejectReason } from '@asb/rtp';

/**
 * Why a datagram on an allocated port was dropped; also the `reason` label of
 * media_gateway_rtp_packets_rejected_total. Rejections are counted, never thrown: they happen
 * per packet, and a stack trace per bad packet would cost more than the packet.
 */
export type RtpPacketRejection =
  | RtpRejectReason
  /** From an address that is not one the allocation names as the PBX's. */
  | 'foreign_source'
  /** From another address:port than the one latched by the stream's first valid packet. */
  | 'wrong_source'
  /** Not the payload type Asterisk sends for the allocated codec. */
  | 'wrong_payload_type'
  /** Not one 20 ms packet of the allocated codec (truncated, oversized, other ptime). */
  | 'bad_payload_size'
  /** A sequence number far from the stream's (RFC 3550 A.1 "bad"); two in a row restart it. */
  | 'bad_sequence'
  /** A bug in the gateway while handling the packet; logged, never fatal. */
  | 'receiver_error';

/**
 * Slot of each reason in a stream's rejection counts. A Record, so the compiler insists on every
 * reason, including any the RTP parser adds later.
 */
export const RTP_PACKET_REJECTION_SLOT: Readonly<Record<RtpPacketRejection, number>> = {
  too_short: 0,
  bad_version: 1,
  csrc_overflow: 2,
  bad_extension: 3,
  bad_padding: 4,
  empty_payload: 5,
  wrong_source: 6,
  wrong_payload_type: 7,
  bad_payload_size: 8,
  bad_sequence: 9,
  receiver_error: 10,
  foreign_source: 11,
};

export const RTP_PACKET_REJECTIONS = Object.keys(RTP_PACKET_REJECTION_SLOT) as RtpPacketRejection[];
