import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

/**
 * One run of a tapped track: one gateway allocation, from its stats samples. A re-tap, a retried
 * tap setup or a failover starts a new run whose counters start from zero; the track's totals in
 * `streams` are the sums over its runs.
 */
@Entity({ name: 'stream_runs' })
export class StreamRunRecord {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  track!: string;

  /** The samples' runId; the gateway id for gateways that send none (one run per gateway). */
  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 64 })
  runId!: string;

  @Column({ name: 'gateway_id', type: 'varchar', length: 64 })
  gatewayId!: string;

  /** When the run's first packet arrived (older gateways: estimated within one stats period). */
  @Column({ name: 'first_packet_at', type: 'timestamptz', nullable: true })
  firstPacketAt!: Date | null;

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

  /** The latest sample of the run, whose counters these are. */
  @Column({ name: 'last_sample_at', type: 'timestamptz' })
  lastSampleAt!: Date;
}
