import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../columns/bigint-number.transformer';

export const CALL_STATES = ['started', 'answered', 'ended'] as const;
export type CallState = (typeof CALL_STATES)[number];

/**
 * One row per call: a projection of the call's events (call_events), rebuilt by call-logger
 * whenever an event of the call arrives, so it is right whatever order the events came in.
 */
@Entity({ name: 'calls' })
@Check('calls_state_check', `state IN ('started', 'answered', 'ended')`)
@Index('calls_started_at_idx', ['startedAt'])
@Index('calls_state_started_at_idx', ['state', 'startedAt'])
@Index('calls_campaign_started_at_idx', ['campaign', 'startedAt'])
@Index('calls_agent_started_at_idx', ['agent', 'startedAt'])
@Index('calls_in_group_started_at_idx', ['inGroup', 'startedAt'])
@Index('calls_conversation_id_idx', ['conversationId', 'startedAt'])
// Partial, operator-class and GIN indexes TypeORM cannot describe; the migration creates them.
@Index('calls_audio_verdicts_idx', { synchronize: false })
@Index('calls_lead_id_idx', { synchronize: false })
@Index('calls_caller_number_idx', { synchronize: false })
@Index('calls_callee_number_idx', { synchronize: false })
export class CallRecord {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 128 })
  callId!: string;

  /** The customer conversation this call is a leg of: the callId of its first leg. */
  @Column({ name: 'conversation_id', type: 'varchar', length: 128 })
  conversationId!: string;

  /** The configured name of the Asterisk server. */
  @Column({ type: 'varchar', length: 40 })
  server!: string;

  @Column({ name: 'asterisk_id', type: 'varchar', length: 64, nullable: true })
  asteriskId!: string | null;

  /** Asterisk uniqueid of the customer's channel, e.g. `1732451234.56`. */
  @Column({ name: 'channel_id', type: 'varchar', length: 64 })
  channelId!: string;

  @Column({ name: 'channel_name', type: 'varchar', length: 256 })
  channelName!: string;

  /** `inbound`, `outbound` or `unknown`; null until the started event is recorded. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  direction!: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  context!: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  exten!: string | null;

  @Column({ name: 'caller_number', type: 'varchar', length: 64, nullable: true })
  callerNumber!: string | null;

  @Column({ name: 'caller_name', type: 'varchar', length: 256, nullable: true })
  callerName!: string | null;

  @Column({ name: 'callee_number', type: 'varchar', length: 64, nullable: true })
  calleeNumber!: string | null;

  /** The raw VICIdial caller-id call code. */
  @Column({ name: 'vicidial_call_code', type: 'varchar', length: 64, nullable: true })
  vicidialCallCode!: string | null;

  /** VICIdial type letter: `V` auto-dial, `M` manual, `Y` inbound, ... */
  @Column({ name: 'vicidial_call_type', type: 'varchar', length: 8, nullable: true })
  vicidialCallType!: string | null;

  @Column({ name: 'lead_id', type: 'bigint', nullable: true, transformer: bigintNumber })
  leadId!: number | null;

  /** VICIdial campaign id; the rest of the VICIdial columns come from its database, if read. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  campaign!: string | null;

  @Column({ name: 'campaign_name', type: 'varchar', length: 256, nullable: true })
  campaignName!: string | null;

  /** Inbound and closer calls: the in-group id. */
  @Column({ name: 'in_group', type: 'varchar', length: 256, nullable: true })
  inGroup!: string | null;

  @Column({ name: 'in_group_name', type: 'varchar', length: 256, nullable: true })
  inGroupName!: string | null;

  @Column({ name: 'list_id', type: 'bigint', nullable: true, transformer: bigintNumber })
  listId!: number | null;

  /** The agent's VICIdial user. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  agent!: string | null;

  @Column({ name: 'agent_name', type: 'varchar', length: 256, nullable: true })
  agentName!: string | null;

  /** The agent's phone as VICIdial names it, e.g. `SIP/1001`. */
  @Column({ name: 'agent_phone', type: 'varchar', length: 256, nullable: true })
  agentPhone!: string | null;

  /** The agent's conference room. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  conference!: string | null;

  /** The call's status in VICIdial's log: the agent's disposition once given. */
  @Column({ name: 'vicidial_status', type: 'varchar', length: 256, nullable: true })
  vicidialStatus!: string | null;

  /** VICIdial's term reason: CALLER, AGENT, ABANDON, ... */
  @Column({ name: 'term_reason', type: 'varchar', length: 256, nullable: true })
  termReason!: string | null;

  @Column({ type: 'varchar', length: 16 })
  state!: CallState;

  /** The started event's time (the earliest event's time until that one is recorded). */
  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true })
  answeredAt!: Date | null;

  /** When the call hung up; null while it lasts and when its end was found, never seen. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  /** For an end found by reconciliation: the last time the call was known to be up. */
  @Column({ name: 'end_not_before', type: 'timestamptz', nullable: true })
  endNotBefore!: Date | null;

  /** For an end found by reconciliation: when Asterisk confirmed the call gone. */
  @Column({ name: 'end_not_after', type: 'timestamptz', nullable: true })
  endNotAfter!: Date | null;

  /** From start to end, ringing included; null when the end is not known. */
  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  /** From answer to end; null for a call never answered. */
  @Column({ name: 'talk_ms', type: 'integer', nullable: true })
  talkMs!: number | null;

  /** Audio verdicts raised while the call was up (`one_way_audio`, `clipping`, ...), each once. */
  @Column({ name: 'audio_verdicts', type: 'varchar', length: 32, array: true, default: '{}' })
  audioVerdicts!: string[];

  /** Talk time from the talk_summary (seconds): over the time both the caller and agent tracks were heard. */
  @Column({ name: 'talk_heard_s', type: 'real', nullable: true })
  talkHeardS!: number | null;

  @Column({ name: 'customer_talk_s', type: 'real', nullable: true })
  customerTalkS!: number | null;

  @Column({ name: 'agent_talk_s', type: 'real', nullable: true })
  agentTalkS!: number | null;

  @Column({ name: 'overlap_s', type: 'real', nullable: true })
  overlapS!: number | null;

  @Column({ name: 'longest_silence_s', type: 'real', nullable: true })
  longestSilenceS!: number | null;

  /** Q.850 cause (16 = normal clearing). */
  @Column({ name: 'hangup_cause', type: 'smallint', nullable: true })
  hangupCause!: number | null;

  @Column({ name: 'hangup_cause_text', type: 'varchar', length: 256, nullable: true })
  hangupCauseText!: string | null;

  /** Ended by ari-ingest's reconciliation (the call vanished while it was away). */
  @Column({ name: 'end_reconciled', type: 'boolean', default: false })
  endReconciled!: boolean;

  /** At least one track of the call was tapped. */
  @Column({ type: 'boolean', default: false })
  tapped!: boolean;

  @Column({ name: 'event_count', type: 'integer' })
  eventCount!: number;

  @Column({ name: 'last_event_at', type: 'timestamptz' })
  lastEventAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
