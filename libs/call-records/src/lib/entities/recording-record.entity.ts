import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

export const RECORDING_STATES = ['recording', 'complete', 'failed'] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/** Where a track of the recording sits in the file. */
export interface RecordingTrack {
  track: string;
  /** Channel in the WAV file (0 = left, 1 = right; 0 in a mono file). */
  channel: number;
  /** File sample index of the track's first sample: its start relative to the recording's. */
  offsetSamples: number;
  /**
   * Audio-Timestamp of the track's first frame in the file: where the file picks up the stream
   * (0 when it has the stream from its first frame).
   */
  firstTimestamp: number;
  frames: number;
  /** Samples of silence written where the track's audio had a gap. */
  gapSamples: number;
  /**
   * Frames that came too late to be written (their place in the file was already on disk), or
   * from a tap run a re-tap had replaced.
   */
  lateFrames: number;
  /** Tap runs (Audio-Run-Id) that fed the track: more than one after a re-tap. */
  runs?: number;
}

/**
 * One WAV file per call (stereo: caller left, agent right; mono where one track has audio), on
 * call-logger's RECORDINGS_DIR. The file is complete and its checksum final once `state` is
 * `complete`.
 */
@Entity({ name: 'recordings' })
@Check('recordings_state_check', `state IN ('recording', 'complete', 'failed')`)
@Index('recordings_started_at_idx', ['startedAt'])
export class RecordingRecord {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: RecordingState;

  /** Absolute path where call-logger wrote the file. */
  @Column({ type: 'varchar', length: 1024 })
  path!: string;

  /** Path relative to RECORDINGS_DIR, for a reader that mounts the directory elsewhere. */
  @Column({ name: 'file_name', type: 'varchar', length: 512 })
  fileName!: string;

  @Column({ type: 'varchar', length: 32, default: 'audio/wav' })
  format!: string;

  @Column({ name: 'sample_rate', type: 'integer' })
  sampleRate!: number;

  @Column({ type: 'smallint' })
  channels!: number;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  tracks!: RecordingTrack[];

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'size_bytes', type: 'bigint', nullable: true, transformer: bigintNumber })
  sizeBytes!: number | null;

  /** SHA-256 of the whole file, hex. */
  @Column({ type: 'char', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
