import type { AudioFrame, AudioTrack } from '@asb/contracts';
import { RecordingFailed } from './recording-failed.error';
import type { RecordingRow } from './recordings.repository';
import type { RecordingStorage } from './recording-storage';
import { PushResult, TimelineMixer } from './timeline-mixer';
import type { WavFileWriter } from './wav-file-writer';

/**
 * Reads a frame's PCM16LE as samples, without a copy when the bytes are 2-aligned. The copy is
 * made with the Uint8Array constructor: a Buffer's slice() is a view, not a copy.
 */
function samplesOf(pcm: Uint8Array): Int16Array {
  if (pcm.byteOffset % 2 === 0) {
    return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength >> 1);
  }
  return new Int16Array(new Uint8Array(pcm).buffer);
}

export interface FinishedRecording {
  row: RecordingRow;
  failure?: RecordingFailed;
}

/**
 * The recording of one call: its tracks' frames mixed on one timeline and streamed to a WAV file
 * created with the first frame, whose track and rate set the layout (a `mixed` track makes a
 * mono file; caller and agent a stereo one, caller left). A call whose taps never delivered audio
 * leaves no file.
 */
export class CallRecording {
  private mixer?: TimelineMixer;
  private writer?: WavFileWriter;
  private location?: { path: string; fileName: string };
  private startedAt?: Date;
  private readonly announced = new Set<AudioTrack>();
  private readonly stopped = new Set<AudioTrack>();
  lastActivityMs: number;

  constructor(
    readonly callId: string,
    private readonly storage: RecordingStorage,
    private readonly onFileCreated: (row: RecordingRow) => void,
    nowMs: number,
  ) {
    this.lastActivityMs = nowMs;
  }

  /** Every track announced by tap_started has stopped. */
  get allStopped(): boolean {
    return this.announced.size > 0 && [...this.announced].every((t) => this.stopped.has(t));
  }

  announce(track: AudioTrack, nowMs: number): void {
    this.announced.add(track);
    this.stopped.delete(track);
    this.lastActivityMs = nowMs;
  }

  stop(track: AudioTrack): void {
    this.stopped.add(track);
    this.mixer?.stopTrack(track);
  }

  /**
   * Places the frame at its capture time; a frame can not have been captured after it arrived,
   * so a gateway whose clock runs ahead never makes the file run ahead of the call.
   */
  push(track: AudioTrack, frame: AudioFrame, nowMs: number): PushResult {
    this.lastActivityMs = nowMs;
    const clockMs = Math.min(frame.capturedAt ?? nowMs, nowMs);
    const mixer = this.mixer ?? this.open(track, frame.sampleRate, clockMs);
    if (frame.sampleRate !== mixer.sampleRate) return 'refused';
    return mixer.push(track, {
      timestamp: frame.timestamp,
      samples: samplesOf(frame.pcm),
      clockMs,
      runId: frame.runId,
    });
  }

  /** Completes the file; undefined when no audio ever came. */
  async finish(endedAt: Date): Promise<FinishedRecording | undefined> {
    const { mixer, writer } = this;
    if (!mixer || !writer) return undefined;
    mixer.end();
    const report = mixer.report();
    const durationMs = Math.round((mixer.durationSamples * 1000) / mixer.sampleRate);
    const oneTrack = mixer.channels === 2 && report.length === 1;
    try {
      const file = await writer.finish(oneTrack ? report[0].channel : undefined);
      return {
        row: {
          ...this.row('complete'),
          channels: file.channels,
          tracks: oneTrack ? [{ ...report[0], channel: 0 }] : report,
          endedAt: endedAt.toISOString(),
          durationMs,
          sizeBytes: file.sizeBytes,
          sha256: file.sha256,
        },
      };
    } catch (error) {
      return {
        row: { ...this.row('failed'), tracks: report, endedAt: endedAt.toISOString(), durationMs },
        failure: error as RecordingFailed,
      };
    }
  }

  private open(track: AudioTrack, sampleRate: number, clockMs: number): TimelineMixer {
    const channels = track === 'mixed' ? 1 : 2;
    this.startedAt = new Date(clockMs);
    this.location = this.storage.locate(this.callId, this.startedAt);
    const writer = this.storage.createWriter(this.location.path, sampleRate, channels);
    this.writer = writer;
    this.mixer = new TimelineMixer(sampleRate, channels, (chunk) => writer.append(chunk));
    this.onFileCreated(this.row('recording'));
    return this.mixer;
  }

  private row(state: RecordingRow['state']): RecordingRow {
    return {
      callId: this.callId,
      state,
      path: this.location?.path ?? '',
      fileName: this.location?.fileName ?? '',
      sampleRate: this.mixer?.sampleRate ?? 0,
      channels: this.mixer?.channels ?? 0,
      tracks: [],
      startedAt: (this.startedAt ?? new Date()).toISOString(),
    };
  }
}
