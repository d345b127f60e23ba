import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavFileWriter } from './wav-file-writer';

function pcm(values: number[]): Buffer {
  return Buffer.from(Int16Array.from(values).buffer);
}

describe('WavFileWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asb-wav-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams samples to a file whose header and checksum are right once finished', async () => {
    const path = join(dir, 'a/b/call.wav');
    const writer = new WavFileWriter(path, 8000, 2);
    writer.append(pcm([1, -1, 2, -2]));
    writer.append(pcm([3, -3]));
    const result = await writer.finish();
    const file = readFileSync(path);
    expect(result).toEqual({
      channels: 2,
      dataBytes: 12,
      sizeBytes: 56,
      sha256: createHash('sha256').update(file).digest('hex'),
    });
    expect(file.toString('ascii', 0, 4)).toBe('RIFF');
    expect(file.readUInt32LE(4)).toBe(48);
    expect(file.readUInt16LE(22)).toBe(2);
    expect(file.readUInt32LE(28)).toBe(8000 * 4);
    expect(file.readUInt32LE(40)).toBe(12);
    expect([...new Int16Array(file.buffer, file.byteOffset + 44, 6)]).toEqual([
      1, -1, 2, -2, 3, -3,
    ]);
  });

  it('rewrites a stereo file with one live channel as mono', async () => {
    const path = join(dir, 'mono.wav');
    const writer = new WavFileWriter(path, 8000, 2);
    writer.append(pcm([0, 5, 0, 6, 0, 7]));
    const result = await writer.finish(1);
    const file = readFileSync(path);
    expect(result).toMatchObject({ channels: 1, dataBytes: 6, sizeBytes: 50 });
    expect(file.readUInt16LE(22)).toBe(1);
    expect([...new Int16Array(file.buffer, file.byteOffset + 44, 3)]).toEqual([5, 6, 7]);
  });

  it('fails the file, not the process, when the disk refuses it', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const writer = new WavFileWriter(join(dir, 'a-file/day/call.wav'), 8000, 1);
    writer.append(pcm([1]));
    await expect(writer.finish()).rejects.toThrow(/write_failed/);
  });
});
