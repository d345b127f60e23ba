import { Inject, Injectable } from '@nestjs/common';
import { opendir, rm, rmdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { APP_CONFIG } from '@asb/config';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { WavFileWriter } from './wav-file-writer';

export interface StoredRecordingFile {
  /** Relative to the recordings directory, with `/` separators (as the database keeps it). */
  fileName: string;
  modifiedAt: Date;
}

/** The recordings directory: where a call's file goes, and the files that are there. */
@Injectable()
export class RecordingStorage {
  readonly root: string;

  constructor(@Inject(APP_CONFIG) config: CallLoggerConfig) {
    this.root = config.RECORDINGS_DIR;
  }

  /** `yyyy/mm/dd/<callId>.wav` by the UTC day the recording started, so no folder grows without end. */
  locate(callId: string, startedAt: Date): { path: string; fileName: string } {
    const day = startedAt.toISOString().slice(0, 10).split('-');
    const fileName = [...day, `${callId}.wav`].join('/');
    return { fileName, path: this.pathOf(fileName) };
  }

  pathOf(fileName: string): string {
    return join(this.root, ...fileName.split('/'));
  }

  createWriter(path: string, sampleRate: number, channels: number): WavFileWriter {
    return new WavFileWriter(path, sampleRate, channels);
  }

  /** Deletes a recording's file; false if it was not there. */
  async remove(fileName: string): Promise<boolean> {
    const path = this.pathOf(fileName);
    const existed = await stat(path).then(
      () => true,
      () => false,
    );
    await rm(path, { force: true });
    return existed;
  }

  /** Every WAV file under the directory (none if it does not exist yet). */
  async *files(dir = this.root): AsyncGenerator<StoredRecordingFile> {
    let entries;
    try {
      entries = await opendir(dir);
    } catch {
      return;
    }
    for await (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.files(path);
      } else if (entry.isFile() && entry.name.endsWith('.wav')) {
        const info = await stat(path).catch(() => undefined);
        if (info) {
          yield {
            fileName: relative(this.root, path).split(sep).join('/'),
            modifiedAt: info.mtime,
          };
        }
      }
    }
  }

  /** Removes the day folders the sweep emptied (a folder in use is never empty for long). */
  async removeEmptyFolders(dir = this.root): Promise<void> {
    let entries;
    try {
      entries = await opendir(dir);
    } catch {
      return;
    }
    for await (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      await this.removeEmptyFolders(path);
      await rmdir(path).catch(() => undefined);
    }
  }
}
