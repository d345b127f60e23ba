import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FileHandle, mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RecordingFailed } from './recording-failed.error';
import { WAV_HEADER_BYTES, wavHeader } from './wav-header.util';

export interface WavFileResult {
  channels: number;
  dataBytes: number;
  sizeBytes: number;
  sha256: string;
}

/** Stereo → mono rewrite works through the file in pieces of this many sample frames. */
const DOWNMIX_FRAMES = 64 * 1024;

/**
 * A PCM16LE WAV file written as audio arrives: a header with no length first, the samples
 * appended in order, and the real header written over the first one when the file is finished.
 * Writes are chained, so a caller never waits on the disk; the first one that fails fails the file.
 */
export class WavFileWriter {
  private handle?: FileHandle;
  private chain: Promise<void>;
  private failure?: RecordingFailed;
  private dataBytes = 0;

  constructor(
    readonly path: string,
    readonly sampleRate: number,
    readonly channels: number,
  ) {
    this.chain = this.run(async () => {
      await mkdir(dirname(path), { recursive: true });
      this.handle = await open(path, 'w');
      await this.handle.write(wavHeader(sampleRate, channels, 0), 0, WAV_HEADER_BYTES, 0);
    });
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  append(interleaved: Buffer): void {
    const position = WAV_HEADER_BYTES + this.dataBytes;
    this.dataBytes += interleaved.byteLength;
    this.chain = this.run(async () => {
      await this.handle?.write(interleaved, 0, interleaved.byteLength, position);
    });
  }

  /**
   * Completes the file: its header, and with `keepChannel` a stereo file rewritten as mono with
   * that channel only. Resolves with what the database keeps about it.
   */
  async finish(keepChannel?: number): Promise<WavFileResult> {
    await this.chain;
    const handle = this.handle;
    this.handle = undefined;
    if (this.failure || !handle) {
      await handle?.close().catch(() => undefined);
      throw this.failure ?? new RecordingFailed('write_failed', this.path, 'file was never opened');
    }
    try {
      await handle.write(
        wavHeader(this.sampleRate, this.channels, this.dataBytes),
        0,
        WAV_HEADER_BYTES,
        0,
      );
      await handle.close();
      const channels =
        keepChannel !== undefined && this.channels === 2
          ? await this.downmix(keepChannel)
          : this.channels;
      const [sha256, info] = await Promise.all([sha256Of(this.path), stat(this.path)]);
      return {
        channels,
        dataBytes: info.size - WAV_HEADER_BYTES,
        sizeBytes: info.size,
        sha256,
      };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw new RecordingFailed('finish_failed', this.path, error);
    }
  }

  private run(step: () => Promise<void>): Promise<void> {
    return (this.chain ?? Promise.resolve()).then(async () => {
      if (this.failure) return;
      try {
        await step();
      } catch (error) {
        this.failure = new RecordingFailed('write_failed', this.path, error);
      }
    });
  }

  /** Rewrites the stereo file as mono holding one channel, then puts it in place. */
  private async downmix(channel: number): Promise<number> {
    const temporary = `${this.path}.mono`;
    const source = await open(this.path, 'r');
    const target = await open(temporary, 'w');
    try {
      const frames = this.dataBytes / 4;
      await target.write(wavHeader(this.sampleRate, 1, frames * 2), 0, WAV_HEADER_BYTES, 0);
      const stereo = Buffer.alloc(DOWNMIX_FRAMES * 4);
      const mono = Buffer.alloc(DOWNMIX_FRAMES * 2);
      for (let done = 0; done < frames;) {
        const count = Math.min(DOWNMIX_FRAMES, frames - done);
        await source.read(stereo, 0, count * 4, WAV_HEADER_BYTES + done * 4);
        for (let i = 0; i < count; i += 1)
          mono.writeInt16LE(stereo.readInt16LE(i * 4 + channel * 2), i * 2);
        await target.write(mono, 0, count * 2, WAV_HEADER_BYTES + done * 2);
        done += count;
      }
    } finally {
      await source.close();
      await target.close();
    }
    await rename(temporary, this.path);
    return 1;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
