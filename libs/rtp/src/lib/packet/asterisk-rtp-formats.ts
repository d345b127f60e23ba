export interface RtpFormatProfile {
  readonly payloadType: number;
  readonly sampleRate: number;
  readonly samplesPerPacket: number;
  readonly payloadBytes: number;
  readonly bytesPerSample: 1 | 2;
}

/**
 * The RTP an Asterisk externalMedia channel sends for each format, as measured on a real
 * Asterisk: one packet every 20 ms. Payload type 10 for 8 kHz slin is Asterisk's own choice (it
 * is L16 stereo at 44.1 kHz in RFC 3551) and 118 for slin16 is a dynamic number, so receivers
 * must not infer the format from the payload type alone. Both slin variants are big-endian.
 */
export const ASTERISK_RTP_FORMATS: Readonly<
  Record<'ulaw' | 'alaw' | 'slin' | 'slin16', RtpFormatProfile>
> = {
  ulaw: {
    payloadType: 0,
    sampleRate: 8000,
    samplesPerPacket: 160,
    payloadBytes: 160,
    bytesPerSample: 1,
  },
  alaw: {
    payloadType: 8,
    sampleRate: 8000,
    samplesPerPacket: 160,
    payloadBytes: 160,
    bytesPerSample: 1,
  },
  slin: {
    payloadType: 10,
    sampleRate: 8000,
    samplesPerPacket: 160,
    payloadBytes: 320,
    bytesPerSample: 2,
  },
  slin16: {
    payloadType: 118,
    sampleRate: 16000,
    samplesPerPacket: 320,
    payloadBytes: 640,
    bytesPerSample: 2,
  },
};

export type AsteriskRtpFormat = keyof typeof ASTERISK_RTP_FORMATS;
