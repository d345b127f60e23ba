import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

/** A message call-logger could not record, parked for a person to look at instead of retried forever. */
@Entity({ name: 'dead_letters' })
@Index('dead_letters_received_at_idx', ['receivedAt'])
// One row per stored JetStream message however often it is delivered (partial: see the migration).
@Index('dead_letters_stream_sequence_key', { synchronize: false })
export class DeadLetter {
  /** A bigint: pg hands it over as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** `call_event`, `transcript` (JetStream) or `stats` (core NATS). */
  @Column({ type: 'varchar', length: 16 })
  source!: string;

  @Column({ type: 'varchar', length: 512 })
  subject!: string;

  /** A ContractViolation reason (`malformed_json`, `invalid_payload`, ...) or `write_failed`. */
  @Column({ type: 'varchar', length: 64 })
  reason!: string;

  @Column({ type: 'text' })
  error!: string;

  /** The message body as received (cut at 64 KiB). */
  @Column({ type: 'bytea' })
  payload!: Buffer;

  @Column({ name: 'stream_sequence', type: 'bigint', nullable: true, transformer: bigintNumber })
  streamSequence!: number | null;

  @Column({ name: 'delivery_count', type: 'integer', nullable: true })
  deliveryCount!: number | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
