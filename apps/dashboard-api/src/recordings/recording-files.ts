import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { APP_CONFIG } from '@asb/config';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import type { RecordingFile } from '../calls/call-records.repository';

/** Where a recording's WAV file is on this host, checked to exist. */
@Injectable()
export class RecordingFiles {
  constructor(@Inject(APP_CONFIG) private readonly config: DashboardApiConfig) {}

  async locate(recording: RecordingFile): Promise<{ path: string; size: number }> {
    const path = this.pathOf(recording);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new Error('not a file');
      return { path, size: info.size };
    } catch {
      throw new NotFoundException('the recording file is missing from the recordings folder');
    }
  }

  private pathOf(recording: RecordingFile): string {
    const root = this.config.DASHBOARD_RECORDINGS_DIR;
    if (!root) return recording.path;
    const path = resolve(root, recording.fileName);
    const inside = relative(resolve(root), path);
    // A file name is relative to the recordings folder; one that climbs out of it is refused.
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new NotFoundException('the recording file is outside the recordings folder');
    }
    return path;
  }
}
