import type { AuditAction } from '@asb/contracts';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only: nothing in the service updates or deletes a row. */
@Entity({ name: 'audit_log' })
@Index('audit_log_occurred_at_idx', ['occurredAt'])
@Index('audit_log_call_id_idx', ['callId'])
export class AuditLogEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  action!: AuditAction;

  /** Null for a failed login by an unknown name; the name is kept in `username` either way. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'text' })
  username!: string;

  @Column({ name: 'call_id', type: 'text', nullable: true })
  callId!: string | null;

  @Column({ name: 'client_address', type: 'text', nullable: true })
  clientAddress!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  detail!: Record<string, unknown>;
}
