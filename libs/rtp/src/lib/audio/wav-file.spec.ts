import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWavPcm16, readWavPcm16Channels } from './wav-file';

function wav(chunks: Array<[string, Buffer]>): Buffer {
  const body = Buffer.concat(
    chunks.map(([id, data]) => {
      const header = Buffer.alloc(8);
      header.write(id, 0, 'ascii');
      header.writeUInt32LE(data.length, 4);
      return Buffer.concat([header, data, Buffer.alloc(data.length & 1)]);
    }),
  );
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length + 4, 4);
  riff.write('WAVE', 8, 'ascii');
  return Buffer.concat([riff, body]);
}

function fmt(format: number, channels: number, rate: number, bits: number): Buffer {
  const data = Buffer.alloc(16);
  data.writeUInt16LE(format, 0);
  data.writeUInt16LE(channels, 2);
  data.writeUInt32LE(rate, 4);
  data.writeUInt32LE((rate * channels * bits) / 8, 8);
  data.writeUInt16LE((channels * bits) / 8, 12);
  data.writeUInt16LE(bits, 14);
  return data;
}

function file(content: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wav-')), 'f.wav');
  writeFileSync(path, content);
  return path;
}

describe('readWavPcm16', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
  const data = Buffer.from(samples.buffer);

  it('reads the samples, skipping chunks it does not know', () => {
    const path = file(
      wav([
        ['fmt ', fmt(1, 1, 8000, 16)],
        ['LIST', Buffer.from('odd')],
        ['data', data],
      ]),
    );
    const read = readWavPcm16(path);
    expect(read.sampleRate).toBe(8000);
    expect(Array.from(read.samples)).toEqual(Array.from(samples));
  });

  it.each([
    ['not a WAV', Buffer.from('hello world, no riff here'), /not a RIFF\/WAVE file/],
    [
      'stereo',
      wav([
        ['fmt ', fmt(1, 2, 8000, 16)],
        ['data', data],
      ]),
      /must be mono 16-bit PCM/,
    ],
    [
      '8-bit',
      wav([
        ['fmt ', fmt(1, 1, 8000, 8)],
        ['data', data],
      ]),
      /must be 16-bit PCM/,
    ],
    [
      'data first',
      wav([
        ['data', data],
        ['fmt ', fmt(1, 1, 8000, 16)],
      ]),
      /data chunk before fmt chunk/,
    ],
    ['no data', wav([['fmt ', fmt(1, 1, 8000, 16)]]), /has no data chunk/],
  ])('refuses a file that is %s', (_what, content, message) => {
    expect(() => readWavPcm16(file(content))).toThrow(message);
  });

  it('splits a stereo file into its channels, and ignores a last half frame', () => {
    const interleaved = Int16Array.from([1, -1, 2, -2, 3, -3, 4]);
    const path = file(
      wav([
        ['fmt ', fmt(1, 2, 16000, 16)],
        ['data', Buffer.from(interleaved.buffer)],
      ]),
    );
    const read = readWavPcm16Channels(path);
    expect(read.sampleRate).toBe(16000);
    expect(read.channels.map((c) => Array.from(c))).toEqual([
      [1, 2, 3],
      [-1, -2, -3],
    ]);
  });
});
