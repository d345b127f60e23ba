import { createRtpPacketView, decodeUlawInto, parseRtpPacket } from '@asb/rtp';

/**
 * The audio of a received u-law stream, packet after packet, with each packet's RTP timestamp;
 * throws on a packet that is not valid RTP.
 */
export function decodeUlawPackets(packets: Buffer[]): { pcm: Int16Array; timestamps: number[] } {
  const view = createRtpPacketView();
  const pcm = new Int16Array(packets.length * 160);
  const timestamps = packets.map((packet, i) => {
    const malformed = parseRtpPacket(packet, view);
    if (malformed !== null) throw new Error(`packet ${i} is not RTP: ${malformed}`);
    decodeUlawInto(
      packet.subarray(view.payloadOffset, view.payloadOffset + view.payloadLength),
      pcm,
      i * 160,
    );
    return view.timestamp;
  });
  return { pcm, timestamps };
}
