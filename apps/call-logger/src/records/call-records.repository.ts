import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallEvent } from '@asb/contracts';
import {
  DeadLetterRow,
  deadLetterJson,
  INSERT_DEAD_LETTERS_SQL,
} from '../dead-letters/dead-letter-row';
import {
  PROJECT_CALLS_SQL,
  PROJECT_EGRESS_SQL,
  PROJECT_STREAMS_SQL,
  STOP_STREAMS_OF_ENDED_CALLS_SQL,
} from './call-projection.sql';

/** A validated event and where it sits in the JetStream stream. */
export interface StoredCallEvent {
  event: CallEvent;
  streamSequence?: number;
}

export interface CallEventBatch {
  events: StoredCallEvent[];
  deadLetters: DeadLetterRow[];
}

export interface BatchOutcome {
  /** Events stored for the first time. */
  inserted: number;
  /** Events already stored (a redelivery or a repeat). */
  duplicates: number;
  /** When the transaction committed. */
  committedAt: number;
}

const INSERT_EVENTS_SQL = `
  INSERT INTO call_events (event_id, call_id, event_type, occurred_at, track, stream_sequence, payload)
  SELECT (x.e->>'eventId')::uuid, x.e->>'callId', x.e->>'event', (x.e->>'occurredAt')::timestamptz,
         x.e->>'track', x.seq, x.e
  FROM jsonb_to_recordset($1::jsonb) AS x(e jsonb, seq bigint)
  ON CONFLICT (event_id) DO NOTHING
  RETURNING call_id, event_type`;

/**
 * Writes call events in one transaction per batch: the events themselves (each once, by
 * eventId), the projections of the calls they touch, and the batch's dead letters.
 */
@Injectable()
export class CallRecordsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async writeBatch(batch: CallEventBatch): Promise<BatchOutcome> {
    const stored = await this.dataSource.transaction(async (manager) => {
      let inserted: Array<{ call_id: string; event_type: string }> = [];
      if (batch.events.length > 0) {
        const rows = batch.events.map(({ event, streamSequence }) => ({
          e: event,
          seq: streamSequence ?? null,
        }));
        inserted = await manager.query(INSERT_EVENTS_SQL, [JSON.stringify(rows)]);
      }
      const touched = (prefix?: string) => [
        ...new Set(
          inserted
            .filter((row) => !prefix || row.event_type.startsWith(prefix))
            .map((row) => row.call_id),
        ),
      ];
      const calls = touched();
      if (calls.length > 0) await manager.query(PROJECT_CALLS_SQL, [calls]);
      const tapped = touched('tap_');
      if (tapped.length > 0) await manager.query(PROJECT_STREAMS_SQL, [tapped]);
      const settled = [...new Set([...tapped, ...touched('ended')])];
      if (settled.length > 0) await manager.query(STOP_STREAMS_OF_ENDED_CALLS_SQL, [settled]);
      const egress = touched('egress_');
      if (egress.length > 0) await manager.query(PROJECT_EGRESS_SQL, [egress]);
      if (batch.deadLetters.length > 0) {
        await manager.query(INSERT_DEAD_LETTERS_SQL, [
          JSON.stringify(batch.deadLetters.map(deadLetterJson)),
        ]);
      }
      return inserted.length;
    });
    return { inserted: stored, duplicates: batch.events.length - stored, committedAt: Date.now() };
  }
}
