import { SourceCodec } from '@asb/contracts';
import {
  ASTERISK_RTP_FORMATS,
  decodeAlawInto,
  decodeUlawInto,
  encodeAlawInto,
  encodeUlawInto,
  pcm16ToSlinBeInto,
  slinBeToPcm16Into,
  upsample8kTo16kInto,
} from '@asb/rtp';
import { FrameDecoderFactory } from './frame-decoder.factory';

const factory = new FrameDecoderFactory();

/** A datagram with `offset` bytes before the payload, as an RTP header would put there. */
function datagram(codec: SourceCodec, samples: Int16Array, offset: number): Buffer {
  const packet = Buffer.alloc(offset + ASTERISK_RTP_FORMATS[codec].payloadBytes, 0x5a);
  if (codec === 'ulaw') encodeUlawInto(samples, packet, offset);
  else if (codec === 'alaw') encodeAlawInto(samples, packet, offset);
  else pcm16ToSlinBeInto(samples, packet, offset);
  return packet;
}

/** @asb/rtp's own decoders, on the payload cut out: what the gateway's must match. */
function reference(codec: SourceCodec, packet: Buffer, offset: number): Int16Array {
  const payload = packet.subarray(offset);
  const out = new Int16Array(ASTERISK_RTP_FORMATS[codec].samplesPerPacket);
  if (codec === 'ulaw') decodeUlawInto(payload, out, 0);
  else if (codec === 'alaw') decodeAlawInto(payload, out, 0);
  else slinBeToPcm16Into(payload, out, 0);
  return out;
}

function signal(count: number, seed: number): Int16Array {
  return Int16Array.from({ length: count }, (_, i) => ((i * 7919 + seed * 104729) % 65536) - 32768);
}

describe('FrameDecoderFactory', () => {
  it.each<SourceCodec>(['ulaw', 'alaw', 'slin', 'slin16'])(
    'decodes %s from inside the datagram, at any output offset, as @asb/rtp does',
    (codec) => {
      const format = ASTERISK_RTP_FORMATS[codec];
      const decoder = factory.create(codec, false);
      expect(decoder).toMatchObject({
        codec,
        sampleRate: format.sampleRate,
        samplesPerFrame: format.samplesPerPacket,
      });
      // An odd header length and an odd output offset catch any alignment assumption.
      const packet = datagram(codec, signal(format.samplesPerPacket, 1), 13);
      const out = new Int16Array(format.samplesPerPacket + 3).fill(-1);
      decoder.decode(packet, 13, out, 3);
      expect(out.subarray(0, 3)).toEqual(new Int16Array([-1, -1, -1]));
      expect(out.subarray(3)).toEqual(reference(codec, packet, 13));
    },
  );

  it('decodes slin exactly: big-endian in, the same samples out', () => {
    const samples = signal(320, 2);
    const out = new Int16Array(320);
    factory.create('slin16', false).decode(datagram('slin16', samples, 12), 12, out, 0);
    expect(out).toEqual(samples);
  });

  it.each<SourceCodec>(['ulaw', 'alaw', 'slin'])(
    'upsamples %s to 16 kHz, carrying the interpolation across frames',
    (codec) => {
      const decoder = factory.create(codec, true);
      expect(decoder).toMatchObject({ codec, sampleRate: 16000, samplesPerFrame: 320 });
      const state = { last: 0 };
      for (let frame = 0; frame < 3; frame += 1) {
        const packet = datagram(codec, signal(160, frame), 12);
        const out = new Int16Array(320);
        decoder.decode(packet, 12, out, 0);
        const expected = new Int16Array(320);
        upsample8kTo16kInto(reference(codec, packet, 12), 160, expected, 0, state);
        expect(out).toEqual(expected);
      }
    },
  );

  it('leaves slin16 at 16 kHz when asked to upsample', () => {
    expect(factory.create('slin16', true)).toMatchObject({
      sampleRate: 16000,
      samplesPerFrame: 320,
    });
  });
});
