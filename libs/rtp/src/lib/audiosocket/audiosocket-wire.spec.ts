import {
  AUDIOSOCKET_KIND,
  AudioSocketReader,
  decodeAudioSocketUuid,
  encodeAudioSocketMessage,
  encodeAudioSocketUuid,
  isAudioSocketUuid,
} from './audiosocket-wire';

const UUID = '0f8e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

function read(reader: AudioSocketReader, chunks: Buffer[]): Array<[number, string]> {
  const messages: Array<[number, string]> = [];
  // Payloads are views that may be reused: copy them while they are valid.
  for (const chunk of chunks)
    reader.push(chunk, (kind, payload) => messages.push([kind, payload.toString('hex')]));
  return messages;
}

describe('AudioSocket wire', () => {
  const audio = Buffer.alloc(320, 7);
  const stream = Buffer.concat([
    encodeAudioSocketUuid(UUID),
    encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, audio),
    encodeAudioSocketMessage(AUDIOSOCKET_KIND.dtmf, Buffer.from('5')),
    encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, Buffer.alloc(0)),
    encodeAudioSocketMessage(AUDIOSOCKET_KIND.hangup, Buffer.alloc(0)),
  ]);
  const expected: Array<[number, string]> = [
    [AUDIOSOCKET_KIND.uuid, UUID.replace(/-/g, '')],
    [AUDIOSOCKET_KIND.audio, audio.toString('hex')],
    [AUDIOSOCKET_KIND.dtmf, '35'],
    [AUDIOSOCKET_KIND.audio, ''],
    [AUDIOSOCKET_KIND.hangup, ''],
  ];

  it('writes the header as Asterisk does: kind, then the length big-endian', () => {
    expect(encodeAudioSocketUuid(UUID).subarray(0, 3)).toEqual(Buffer.from([0x01, 0x00, 0x10]));
    expect(encodeAudioSocketMessage(0x10, audio).subarray(0, 3)).toEqual(
      Buffer.from([0x10, 0x01, 0x40]),
    );
  });

  it('reads messages however TCP cuts the stream: whole, joined, or split at any byte', () => {
    expect(read(new AudioSocketReader(), [stream])).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut += 1) {
      const reader = new AudioSocketReader();
      expect(read(reader, [stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
      expect(reader.pendingBytes).toBe(0);
    }
    const bytes = new AudioSocketReader();
    expect(
      read(
        bytes,
        [...stream].map((byte) => Buffer.from([byte])),
      ),
    ).toEqual(expected);
  });

  it('holds back an unfinished message until the rest comes', () => {
    const reader = new AudioSocketReader();
    const message = encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, audio);
    expect(read(reader, [message.subarray(0, 100)])).toEqual([]);
    expect(reader.pendingBytes).toBe(100);
  });

  it('turns the UUID into 16 bytes and back, and refuses what is not one', () => {
    expect(decodeAudioSocketUuid(encodeAudioSocketUuid(UUID.toUpperCase()).subarray(3))).toBe(UUID);
    expect(decodeAudioSocketUuid(Buffer.alloc(15))).toBeUndefined();
    expect(isAudioSocketUuid('pbx1-1764870000-12-caller')).toBe(false);
    expect(() => encodeAudioSocketUuid('not-a-uuid')).toThrow('not a UUID');
    expect(() => encodeAudioSocketMessage(0x10, Buffer.alloc(0x10000))).toThrow(RangeError);
  });
});
