import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

/**
 * A stats.v1 sample kept after downsampling (one per stream per STATS_SAMPLE_INTERVAL_MS, plus
 * every change of the stalled flag and each stream's last sample).
 */
@Entity({ name: 'stream_health_samples' })
@Index('stream_health_samples_sampled_at_idx', ['sampledAt'])
export class StreamHealthSample {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  track!: string;

  @PrimaryColumn({ name: 'sampled_at', type: 'timestamptz' })
  sampledAt!: Date;

  @Column({ name: 'gateway_id', type: 'varchar', length: 64 })
  gatewayId!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  packets!: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  bytes!: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  lost!: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  duplicates!: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  reordered!: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  late!: number;

  @Column({ type: 'bigint', transformer: bigintNumber })
  rejected!: number;

  @Column({ name: 'jitter_ms', type: 'real' })
  jitterMs!: number;

  @Column({ name: 'last_packet_age_ms', type: 'real' })
  lastPacketAgeMs!: number;

  @Column({ name: 'level_dbfs', type: 'real' })
  levelDbfs!: number;

  @Column({ type: 'boolean' })
  stalled!: boolean;

  /** When call-logger wrote the row; minus sampledAt, the recording lag. */
  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  recordedAt!: Date;
}
