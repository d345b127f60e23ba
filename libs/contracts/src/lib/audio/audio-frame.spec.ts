import {
  AUDIO_FRAME_MAX_BYTES,
  AUDIO_HEADERS,
  AudioFrameMeta,
  REQUIRED_AUDIO_HEADERS,
  audioFrameHeaderEntries,
  parseAudioFrame,
} from './audio-frame';

const meta: AudioFrameMeta = {
  sequence: 7,
  timestamp: 1120,
  sampleRate: 8000,
  codec: 'ulaw',
  frameMs: 20,
  capturedAt: 1_796_300_000_123,
  runId: '5b0f3c1e-2a44-4f0e-9d1e-0c6f1a2b3c4d',
};
const OPTIONAL_HEADERS: string[] = Object.values(AUDIO_HEADERS).filter(
  (name) => !(REQUIRED_AUDIO_HEADERS as readonly string[]).includes(name),
);

function reader(entries: Array<[string, string]>) {
  const map = new Map(entries);
  return (name: string) => map.get(name);
}

describe('audio frames', () => {
  it('round-trips headers and keeps the payload as a view', () => {
    const pcm = new Uint8Array(320);
    const frame = parseAudioFrame(reader(audioFrameHeaderEntries(meta)), pcm);
    expect(frame).toEqual({ ...meta, pcm });
    expect(frame.pcm).toBe(pcm);
  });

  it('round-trips the replay header of a replayed call', () => {
    const replayed = { ...meta, replayOf: 'pbx1-1732451234-56' };
    const frame = parseAudioFrame(reader(audioFrameHeaderEntries(replayed)), new Uint8Array(320));
    expect(frame.replayOf).toBe('pbx1-1732451234-56');
  });

  it('accepts 16 kHz frames of 640 bytes', () => {
    const wide = { ...meta, sampleRate: 16000 as const, codec: 'slin16' as const };
    expect(
      parseAudioFrame(reader(audioFrameHeaderEntries(wide)), new Uint8Array(640)).sampleRate,
    ).toBe(16000);
  });

  it.each(REQUIRED_AUDIO_HEADERS)('rejects a frame without the %s header', (name) => {
    const entries = audioFrameHeaderEntries(meta).filter(([key]) => key !== name);
    expect(() => parseAudioFrame(reader(entries), new Uint8Array(320))).toThrow(
      /invalid_audio_frame/,
    );
  });

  it('reads a frame of a producer older than the capture time and run headers', () => {
    const entries = audioFrameHeaderEntries(meta).filter(
      ([key]) => !OPTIONAL_HEADERS.includes(key),
    );
    const frame = parseAudioFrame(reader(entries), new Uint8Array(320));
    expect(frame.capturedAt).toBeUndefined();
    expect(frame.runId).toBeUndefined();
  });

  it.each([
    [AUDIO_HEADERS.capturedAt, '1796300000123.5'],
    [AUDIO_HEADERS.capturedAt, 'now'],
    [AUDIO_HEADERS.capturedAt, ''],
    [AUDIO_HEADERS.runId, 'a/b'],
    [AUDIO_HEADERS.runId, 'x'.repeat(65)],
    [AUDIO_HEADERS.runId, ''],
    [AUDIO_HEADERS.replayOf, 'a.b'],
    [AUDIO_HEADERS.sampleRate, '44100'],
    [AUDIO_HEADERS.sampleRate, 'fast'],
    [AUDIO_HEADERS.codec, 'opus'],
    [AUDIO_HEADERS.frameMs, '0'],
    [AUDIO_HEADERS.frameMs, '500'],
    [AUDIO_HEADERS.sequence, '-1'],
    [AUDIO_HEADERS.timestamp, '1e9'],
  ])('rejects %s = %s', (name, value) => {
    const entries = audioFrameHeaderEntries({ ...meta, replayOf: 'pbx1-1-2' }).map(
      ([key, old]): [string, string] => [key, key === name ? value : old],
    );
    expect(() => parseAudioFrame(reader(entries), new Uint8Array(320))).toThrow(
      /invalid_audio_frame/,
    );
  });

  it('rejects a payload whose length does not match rate and duration, or that is oversized', () => {
    const headers = reader(audioFrameHeaderEntries(meta));
    expect(() => parseAudioFrame(headers, new Uint8Array(319))).toThrow(/320 expected/);
    expect(() => parseAudioFrame(headers, new Uint8Array(AUDIO_FRAME_MAX_BYTES + 2))).toThrow(
      /oversized_payload/,
    );
  });
});
