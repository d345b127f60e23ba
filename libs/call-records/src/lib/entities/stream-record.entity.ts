import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

export const STREAM_STATES = ['tapped', 'stopped', 'failed'] as const;
export type StreamState = (typeof STREAM_STATES)[number];

/**
 * One row per tapped track of a call: the tap (from tap_* events) and the stream's health
 * (from stats.v1 samples; the counters are the latest totals the gateway reported).
 */
@Entity({ name: 'streams' })
@Check('streams_state_check', `state IN ('tapped', 'stopped', 'failed')`)
@Index('streams_tap_started_at_idx', ['tapStartedAt'])
export class StreamRecord {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  /** `caller`, `agent` or `mixed`. */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  track!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: StreamState;

  /** What Asterisk sent: `ulaw`, `alaw`, `slin`, `slin16`. */
  @Column({ type: 'varchar', length: 8, nullable: true })
  codec!: string | null;

  @Column({ name: 'sample_rate', type: 'integer', nullable: true })
  sampleRate!: number | null;

  @Column({ name: 'gateway_id', type: 'varchar', length: 64, nullable: true })
  gatewayId!: string | null;

  @Column({ name: 'gateway_host', type: 'varchar', length: 64, nullable: true })
  gatewayHost!: string | null;

  @Column({ name: 'gateway_port', type: 'integer', nullable: true })
  gatewayPort!: number | null;

  @Column({ name: 'snoop_channel_id', type: 'varchar', length: 128, nullable: true })
  snoopChannelId!: string | null;

  @Column({ name: 'external_media_channel_id', type: 'varchar', length: 128, nullable: true })
  externalMediaChannelId!: string | null;

  @Column({ name: 'bridge_id', type: 'varchar', length: 128, nullable: true })
  bridgeId!: string | null;

  @Column({ name: 'tap_started_at', type: 'timestamptz', nullable: true })
  tapStartedAt!: Date | null;

  @Column({ name: 'tap_stopped_at', type: 'timestamptz', nullable: true })
  tapStoppedAt!: Date | null;

  /** tap_stopped's reason: `call_ended`, `shutdown`, `policy`, `orphaned`, `gateway_lost`. */
  @Column({ name: 'stop_reason', type: 'varchar', length: 32, nullable: true })
  stopReason!: string | null;

  /** tap_failed's stage, when the tap could not be set up. */
  @Column({ name: 'failure_stage', type: 'varchar', length: 32, nullable: true })
  failureStage!: string | null;

  @Column({ name: 'failure_error', type: 'varchar', length: 1024, nullable: true })
  failureError!: string | null;

  /** When the first packet of the track's first run arrived (see stream_runs). */
  @Column({ name: 'first_packet_at', type: 'timestamptz', nullable: true })
  firstPacketAt!: Date | null;

  @Column({ name: 'last_packet_at', type: 'timestamptz', nullable: true })
  lastPacketAt!: Date | null;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  packets!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  bytes!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  lost!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  duplicates!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  reordered!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  late!: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  rejected!: number;

  /** lost / (packets + lost). */
  @Column({ name: 'loss_ratio', type: 'double precision', default: 0 })
  lossRatio!: number;

  /** Latest RFC 3550 interarrival jitter. */
  @Column({ name: 'jitter_ms', type: 'real', nullable: true })
  jitterMs!: number | null;

  @Column({ name: 'max_jitter_ms', type: 'real', nullable: true })
  maxJitterMs!: number | null;

  @Column({ name: 'level_dbfs', type: 'real', nullable: true })
  levelDbfs!: number | null;

  @Column({ type: 'boolean', default: false })
  stalled!: boolean;

  /** Times the stream went stalled (no packet for 2 s or more). */
  @Column({ name: 'stall_count', type: 'integer', default: 0 })
  stallCount!: number;

  /** Stats samples received (all of them, not only the downsampled ones kept). */
  @Column({ name: 'sample_count', type: 'integer', default: 0 })
  sampleCount!: number;

  @Column({ name: 'last_sample_at', type: 'timestamptz', nullable: true })
  lastSampleAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
