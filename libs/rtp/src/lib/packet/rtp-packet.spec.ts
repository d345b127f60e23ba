import {
  createRtpPacketView,
  parseRtpPacket,
  RTP_HEADER_BYTES,
  RtpPacketView,
  RtpRejectReason,
  writeRtpHeader,
} from './rtp-packet';

/** A version 2 header: sequence 0x1234, timestamp 0x01020304, SSRC 0xcafebabe. */
function header(first = 0x80, second = 0x00): number[] {
  return [first, second, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04, 0xca, 0xfe, 0xba, 0xbe];
}

function parse(bytes: number[]): { reason: RtpRejectReason | null; view: RtpPacketView } {
  const view = createRtpPacketView();
  return { reason: parseRtpPacket(Buffer.from(bytes), view), view };
}

const PAYLOAD = [1, 2, 3, 4, 5, 6, 7, 8];

describe('parseRtpPacket', () => {
  it('parses a plain packet as Asterisk sends it', () => {
    const { reason, view } = parse([...header(), ...new Array<number>(160).fill(0xff)]);
    expect(reason).toBeNull();
    expect(view).toEqual({
      version: 2,
      padding: false,
      extension: false,
      csrcCount: 0,
      marker: false,
      payloadType: 0,
      sequence: 0x1234,
      timestamp: 0x01020304,
      ssrc: 0xcafebabe,
      payloadOffset: 12,
      payloadLength: 160,
    });
  });

  it('reads the marker bit apart from the payload type', () => {
    expect(parse([...header(0x80, 0xf6), ...PAYLOAD]).view).toMatchObject({
      marker: true,
      payloadType: 118,
    });
    expect(parse([...header(0x80, 0x7f), ...PAYLOAD]).view).toMatchObject({
      marker: false,
      payloadType: 127,
    });
  });

  it('reads timestamps and SSRCs above 2^31 as unsigned', () => {
    const bytes = header();
    bytes.splice(4, 8, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x01);
    expect(parse([...bytes, ...PAYLOAD]).view).toMatchObject({
      timestamp: 0xffffffff,
      ssrc: 0x80000001,
    });
  });

  it('excludes padding, whose last byte counts the padding bytes', () => {
    const { reason, view } = parse([...header(0xa0), ...PAYLOAD, 0, 0, 3]);
    expect(reason).toBeNull();
    expect(view).toMatchObject({ padding: true, payloadOffset: 12, payloadLength: 8 });
  });

  it('accepts a single padding byte that counts only itself', () => {
    expect(parse([...header(0xa0), ...PAYLOAD, 1]).view.payloadLength).toBe(8);
  });

  it('skips a header extension of its 4-byte header plus length words', () => {
    const extension = [0xbe, 0xde, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8];
    const { reason, view } = parse([...header(0x90), ...extension, ...PAYLOAD]);
    expect(reason).toBeNull();
    expect(view).toMatchObject({ extension: true, payloadOffset: 24, payloadLength: 8 });
  });

  it('skips an empty header extension', () => {
    const { view } = parse([...header(0x90), 0x10, 0x00, 0x00, 0x00, ...PAYLOAD]);
    expect([view.payloadOffset, view.payloadLength]).toEqual([16, 8]);
  });

  it('skips a CSRC list of 4 bytes per contributing source', () => {
    const { reason, view } = parse([...header(0x82), ...new Array<number>(8).fill(9), ...PAYLOAD]);
    expect(reason).toBeNull();
    expect(view).toMatchObject({ csrcCount: 2, payloadOffset: 20, payloadLength: 8 });
  });

  it('handles CSRCs, an extension and padding together', () => {
    const csrc = [0, 0, 0, 1];
    const extension = [0xbe, 0xde, 0x00, 0x01, 0xaa, 0xbb, 0xcc, 0xdd];
    const { reason, view } = parse([...header(0xb1), ...csrc, ...extension, ...PAYLOAD, 0, 2]);
    expect(reason).toBeNull();
    expect(view).toMatchObject({ csrcCount: 1, payloadOffset: 24, payloadLength: 8 });
  });

  it('accepts a packet held in a view into a larger buffer', () => {
    const datagram = Buffer.from([0xee, 0xee, ...header(), ...PAYLOAD]);
    const view = createRtpPacketView();
    expect(parseRtpPacket(datagram.subarray(2), view)).toBeNull();
    expect([view.sequence, view.payloadOffset, view.payloadLength]).toEqual([0x1234, 12, 8]);
  });

  it.each<[string, number[], RtpRejectReason]>([
    ['an empty datagram', [], 'too_short'],
    ['a truncated header', header().slice(0, 11), 'too_short'],
    ['version 1', [...header(0x40), ...PAYLOAD], 'bad_version'],
    ['version 0 (e.g. STUN)', [...header(0x00), ...PAYLOAD], 'bad_version'],
    ['version 3', [...header(0xc0), ...PAYLOAD], 'bad_version'],
    ['CSRCs past the end', [...header(0x8f), ...new Array<number>(56).fill(0)], 'csrc_overflow'],
    ['an extension without its header', [...header(0x90), 0xbe, 0xde], 'bad_extension'],
    [
      'an extension longer than the packet',
      [...header(0x90), 0xbe, 0xde, 0x00, 0x03, ...PAYLOAD],
      'bad_extension',
    ],
    ['a padding count of 0', [...header(0xa0), ...PAYLOAD, 0], 'bad_padding'],
    ['more padding than payload', [...header(0xa0), ...PAYLOAD, 10], 'bad_padding'],
    ['padding into the CSRC list', [...header(0xa1), 0, 0, 0, 0, 1, 6], 'bad_padding'],
    ['a header alone', header(), 'empty_payload'],
    ['padding and nothing else', [...header(0xa0), 0, 0, 3], 'empty_payload'],
    ['CSRCs and nothing else', [...header(0x81), 0, 0, 0, 1], 'empty_payload'],
  ])('rejects %s', (_case, bytes, expected) => {
    const view = createRtpPacketView();
    parseRtpPacket(Buffer.from([...header(), ...PAYLOAD]), view);
    expect(parseRtpPacket(Buffer.from(bytes), view)).toBe(expected);
    // A caller ignoring the reason must not read the previous packet's payload.
    expect([view.payloadOffset, view.payloadLength]).toEqual([0, 0]);
  });
});

describe('writeRtpHeader', () => {
  it('writes a version 2 header that parses back to the same fields', () => {
    const packet = Buffer.alloc(4 + RTP_HEADER_BYTES + 160, 0x55);
    const fields = {
      payloadType: 118,
      marker: true,
      sequence: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0x9abcdef0,
    };
    writeRtpHeader(packet, 4, fields);
    expect([...packet.subarray(0, 4)]).toEqual([0x55, 0x55, 0x55, 0x55]);
    const view = createRtpPacketView();
    expect(parseRtpPacket(packet.subarray(4), view)).toBeNull();
    expect(view).toEqual({
      ...fields,
      version: 2,
      padding: false,
      extension: false,
      csrcCount: 0,
      payloadOffset: 12,
      payloadLength: 160,
    });
  });

  it('writes exactly the bytes RFC 3550 lays out', () => {
    const packet = Buffer.alloc(RTP_HEADER_BYTES);
    writeRtpHeader(packet, 0, {
      payloadType: 8,
      marker: false,
      sequence: 0x1234,
      timestamp: 0x01020304,
      ssrc: 0xcafebabe,
    });
    expect([...packet]).toEqual(header(0x80, 0x08));
  });

  it('reduces running counters modulo 2^16 and 2^32', () => {
    const packet = Buffer.alloc(RTP_HEADER_BYTES + 1);
    const fields = { payloadType: 0, marker: false, ssrc: 1 };
    writeRtpHeader(packet, 0, { ...fields, sequence: 65536 + 7, timestamp: 2 ** 32 + 160 });
    const view = createRtpPacketView();
    parseRtpPacket(packet, view);
    expect([view.sequence, view.timestamp]).toEqual([7, 160]);
  });

  it('refuses a buffer too short for the header', () => {
    const fields = { payloadType: 0, marker: false, sequence: 0, timestamp: 0, ssrc: 0 };
    expect(() => writeRtpHeader(Buffer.alloc(11), 0, fields)).toThrow(RangeError);
    expect(() => writeRtpHeader(Buffer.alloc(20), 9, fields)).toThrow(RangeError);
  });
});

describe('createRtpPacketView', () => {
  it('returns a fresh zeroed view each time', () => {
    const a = createRtpPacketView();
    expect(a).toEqual({
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
    });
    expect(createRtpPacketView()).not.toBe(a);
  });
});
