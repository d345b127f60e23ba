import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

/**
 * A final transcript segment (`transcript.v1.<callId>.<track>`, kind `final`), once per
 * segmentId: a repeat or a later final of the same segment replaces the row. Partials are never
 * stored. No foreign key to `calls`: a worker may publish before call-logger has the call's row.
 */
@Entity({ name: 'transcript_segments' })
@Index('transcript_segments_call_id_start_at_idx', ['callId', 'startAt'])
export class TranscriptSegmentRecord {
  @PrimaryColumn({ name: 'segment_id', type: 'uuid' })
  segmentId!: string;

  @Column({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  /** The speaker: `caller` (the customer) or `agent`. */
  @Column({ type: 'varchar', length: 16 })
  track!: string;

  /** The tap run whose samples the span counts (Audio-Run-Id). */
  @Column({ name: 'run_id', type: 'varchar', length: 64 })
  runId!: string;

  @Column({ name: 'start_sample', type: 'bigint', transformer: bigintNumber })
  startSample!: number;

  @Column({ name: 'end_sample', type: 'bigint', transformer: bigintNumber })
  endSample!: number;

  @Column({ name: 'sample_rate', type: 'integer' })
  sampleRate!: number;

  /** On the clock every frame shares (Audio-Captured-At), so both tracks line up. */
  @Column({ name: 'start_at', type: 'timestamptz', precision: 3 })
  startAt!: Date;

  @Column({ name: 'end_at', type: 'timestamptz', precision: 3 })
  endAt!: Date;

  /** Empty where the producer only tells that someone spoke. */
  @Column({ type: 'text' })
  text!: string;

  @Column({ type: 'real', nullable: true })
  confidence!: number | null;

  @Column({ type: 'varchar', length: 35, nullable: true })
  language!: string | null;

  @Column({ name: 'producer_name', type: 'varchar', length: 64 })
  producerName!: string;

  @Column({ name: 'producer_version', type: 'varchar', length: 64, nullable: true })
  producerVersion!: string | null;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /** When the producer published this version of the segment. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** Sequence in the TRANSCRIPTS stream: a redelivered older final never replaces a newer one. */
  @Column({ name: 'stream_sequence', type: 'bigint', nullable: true, transformer: bigintNumber })
  streamSequence!: number | null;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  recordedAt!: Date;
}
