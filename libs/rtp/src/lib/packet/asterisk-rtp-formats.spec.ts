import { ASTERISK_RTP_FORMATS } from './asterisk-rtp-formats';

describe('ASTERISK_RTP_FORMATS', () => {
  it('describes 20 ms packets whose payload size follows from rate and sample width', () => {
    for (const profile of Object.values(ASTERISK_RTP_FORMATS)) {
      expect(profile.samplesPerPacket).toBe((profile.sampleRate * 20) / 1000);
      expect(profile.payloadBytes).toBe(profile.samplesPerPacket * profile.bytesPerSample);
    }
  });

  it('uses the payload types a real Asterisk sends', () => {
    const types = Object.entries(ASTERISK_RTP_FORMATS).map(([f, p]) => [f, p.payloadType]);
    expect(Object.fromEntries(types)).toEqual({ ulaw: 0, alaw: 8, slin: 10, slin16: 118 });
  });
});
