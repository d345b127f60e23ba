import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

/** One row per stream-egress connection of a call (egress_started / egress_stopped). */
@Entity({ name: 'egress_streams' })
@Index('egress_streams_started_at_idx', ['startedAt'])
export class EgressStreamRecord {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  /** Egress stream id (Twilio's streamSid when the format is twilio). */
  @PrimaryColumn({ name: 'stream_id', type: 'varchar', length: 128 })
  streamId!: string;

  /** `outbound` (we connected to a backend) or `inbound` (an AI client connected to us). */
  @Column({ type: 'varchar', length: 16 })
  direction!: string;

  /** Backend URL without credentials, or the inbound client's id. */
  @Column({ type: 'varchar', length: 512 })
  target!: string;

  /** `twilio` or `jambonz`. */
  @Column({ type: 'varchar', length: 16 })
  format!: string;

  @Column({ type: 'varchar', length: 16, array: true, nullable: true })
  tracks!: string[] | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;

  @Column({ name: 'stop_reason', type: 'varchar', length: 32, nullable: true })
  stopReason!: string | null;

  @Column({ name: 'frames_sent', type: 'bigint', nullable: true, transformer: bigintNumber })
  framesSent!: number | null;

  @Column({ name: 'frames_dropped', type: 'bigint', nullable: true, transformer: bigintNumber })
  framesDropped!: number | null;

  @Column({ type: 'integer', nullable: true })
  reconnects!: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
