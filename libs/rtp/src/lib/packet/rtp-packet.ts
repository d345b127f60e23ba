/** Fixed part of an RTP header (RFC 3550 §5.1), before any CSRC list or extension. */
export const RTP_HEADER_BYTES = 12;

const RTP_VERSION = 2;
const CSRC_BYTES = 4;
const EXTENSION_HEADER_BYTES = 4;

/**
 * One parsed packet. The receive path keeps one view per stream and overwrites it for every
 * packet, so parsing allocates nothing; the payload is located by offset and length instead of
 * being sliced out.
 */
export interface RtpPacketView {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequence: number;
  /** Unsigned 32-bit. */
  timestamp: number;
  /** Unsigned 32-bit. */
  ssrc: number;
  payloadOffset: number;
  /** Without the padding. */
  payloadLength: number;
}

/** Why a datagram is not usable RTP; stable strings, so they can label a rejection counter. */
export type RtpRejectReason =
  'too_short' | 'bad_version' | 'csrc_overflow' | 'bad_extension' | 'bad_padding' | 'empty_payload';

export interface RtpHeaderFields {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export function createRtpPacketView(): RtpPacketView {
  return {
    version: 0,
    padding: false,
    extension: false,
    csrcCount: 0,
    marker: false,
    payloadType: 0,
    sequence: 0,
    timestamp: 0,
    ssrc: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

function readUint32(packet: Buffer, offset: number): number {
  // `>>> 0` keeps values above 2^31 positive, as RTP timestamps and SSRCs are unsigned.
  return (
    ((packet[offset] << 24) |
      (packet[offset + 1] << 16) |
      (packet[offset + 2] << 8) |
      packet[offset + 3]) >>>
    0
  );
}

function reject(view: RtpPacketView, reason: RtpRejectReason): RtpRejectReason {
  // A caller that ignores the reason must not decode a stale payload from the previous packet.
  view.payloadOffset = 0;
  view.payloadLength = 0;
  return reason;
}

/**
 * Parses `packet` into `view` and returns null, or returns why the packet is unusable. Header
 * fields read before the failure stay in the view (handy for logging the SSRC of a bad stream);
 * the payload location is zeroed on every rejection.
 */
export function parseRtpPacket(packet: Buffer, view: RtpPacketView): RtpRejectReason | null {
  const length = packet.length;
  if (length < RTP_HEADER_BYTES) return reject(view, 'too_short');
  const first = packet[0];
  view.version = first >> 6;
  if (view.version !== RTP_VERSION) return reject(view, 'bad_version');
  view.padding = (first & 0x20) !== 0;
  view.extension = (first & 0x10) !== 0;
  view.csrcCount = first & 0x0f;
  const second = packet[1];
  view.marker = (second & 0x80) !== 0;
  view.payloadType = second & 0x7f;
  view.sequence = (packet[2] << 8) | packet[3];
  view.timestamp = readUint32(packet, 4);
  view.ssrc = readUint32(packet, 8);

  let payloadOffset = RTP_HEADER_BYTES + view.csrcCount * CSRC_BYTES;
  if (payloadOffset > length) return reject(view, 'csrc_overflow');
  if (view.extension) {
    if (payloadOffset + EXTENSION_HEADER_BYTES > length) return reject(view, 'bad_extension');
    // The extension length counts 32-bit words after its own 4-byte header (RFC 3550 §5.3.1).
    const words = (packet[payloadOffset + 2] << 8) | packet[payloadOffset + 3];
    payloadOffset += EXTENSION_HEADER_BYTES + words * 4;
    if (payloadOffset > length) return reject(view, 'bad_extension');
  }
  let payloadEnd = length;
  if (view.padding) {
    // The last byte counts the padding including itself, so 0 is impossible (RFC 3550 §5.1).
    const paddingBytes = packet[length - 1];
    if (paddingBytes === 0 || payloadOffset + paddingBytes > length) {
      return reject(view, 'bad_padding');
    }
    payloadEnd -= paddingBytes;
  }
  if (payloadEnd === payloadOffset) return reject(view, 'empty_payload');
  view.payloadOffset = payloadOffset;
  view.payloadLength = payloadEnd - payloadOffset;
  return null;
}

/**
 * Writes a 12-byte version 2 header without padding, extension or CSRCs at `offset`. Sequence
 * and timestamp are reduced modulo 2^16 and 2^32, so callers may pass running counters.
 */
export function writeRtpHeader(packet: Buffer, offset: number, header: RtpHeaderFields): void {
  // Out-of-range indexed stores on a Buffer are silently dropped; a short buffer is a bug.
  if (offset < 0 || offset + RTP_HEADER_BYTES > packet.length) {
    throw new RangeError(
      `an RTP header needs ${RTP_HEADER_BYTES} bytes at offset ${offset}, the buffer has ${packet.length}`,
    );
  }
  const { sequence, timestamp, ssrc } = header;
  packet[offset] = RTP_VERSION << 6;
  packet[offset + 1] = (header.marker ? 0x80 : 0) | (header.payloadType & 0x7f);
  packet[offset + 2] = sequence >>> 8;
  packet[offset + 3] = sequence;
  packet[offset + 4] = timestamp >>> 24;
  packet[offset + 5] = timestamp >>> 16;
  packet[offset + 6] = timestamp >>> 8;
  packet[offset + 7] = timestamp;
  packet[offset + 8] = ssrc >>> 24;
  packet[offset + 9] = ssrc >>> 16;
  packet[offset + 10] = ssrc >>> 8;
  packet[offset + 11] = ssrc;
}
