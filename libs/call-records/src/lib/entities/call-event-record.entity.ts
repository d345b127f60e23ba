import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

/** Every call event as received (the call's full timeline), once per eventId. */
@Entity({ name: 'call_events' })
@Index('call_events_call_id_occurred_at_idx', ['callId', 'occurredAt'])
@Index('call_events_occurred_at_idx', ['occurredAt'])
export class CallEventRecord {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  /** `started`, `answered`, ..., `ended` (the contract's event names). */
  @Column({ name: 'event_type', type: 'varchar', length: 32 })
  eventType!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  /** Set for tap and egress events. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  track!: string | null;

  /** Sequence of the message in the JetStream stream, which orders events of equal time. */
  @Column({ name: 'stream_sequence', type: 'bigint', nullable: true, transformer: bigintNumber })
  streamSequence!: number | null;

  /** The validated event exactly as the contract defines it. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  /** When call-logger wrote the row; minus occurredAt, the recording lag. */
  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  recordedAt!: Date;
}
