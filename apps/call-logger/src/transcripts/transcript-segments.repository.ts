import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TranscriptSegment } from '@asb/contracts';
import {
  DeadLetterRow,
  deadLetterJson,
  INSERT_DEAD_LETTERS_SQL,
} from '../dead-letters/dead-letter-row';

/** A final segment and where it sits in the TRANSCRIPTS stream. */
export interface StoredTranscriptSegment {
  segment: TranscriptSegment;
  streamSequence: number;
}

export interface TranscriptBatch {
  finals: StoredTranscriptSegment[];
  deadLetters: DeadLetterRow[];
}

/**
 * One row per segmentId; a repeat or a later final replaces it, but an older message (a
 * redelivery that outlasted a newer final) never does: the stream sequence decides.
 */
const UPSERT_FINALS_SQL = `
  INSERT INTO transcript_segments (segment_id, call_id, track, run_id, start_sample, end_sample,
    sample_rate, start_at, end_at, text, confidence, language, producer_name, producer_version,
    note, occurred_at, stream_sequence)
  SELECT (x.s->>'segmentId')::uuid, x.s->>'callId', x.s->>'track', x.s->'span'->>'runId',
         (x.s->'span'->>'startSample')::bigint, (x.s->'span'->>'endSample')::bigint,
         (x.s->'span'->>'sampleRate')::integer,
         to_timestamp((x.s->'span'->>'startAt')::double precision / 1000),
         to_timestamp((x.s->'span'->>'endAt')::double precision / 1000),
         x.s->>'text', (x.s->>'confidence')::real, x.s->>'language',
         x.s->'producer'->>'name', x.s->'producer'->>'version', x.s->>'note',
         (x.s->>'occurredAt')::timestamptz, x.seq
  FROM jsonb_to_recordset($1::jsonb) AS x(s jsonb, seq bigint)
  ON CONFLICT (segment_id) DO UPDATE SET
    call_id = EXCLUDED.call_id, track = EXCLUDED.track, run_id = EXCLUDED.run_id,
    start_sample = EXCLUDED.start_sample, end_sample = EXCLUDED.end_sample,
    sample_rate = EXCLUDED.sample_rate, start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at,
    text = EXCLUDED.text, confidence = EXCLUDED.confidence, language = EXCLUDED.language,
    producer_name = EXCLUDED.producer_name, producer_version = EXCLUDED.producer_version,
    note = EXCLUDED.note, occurred_at = EXCLUDED.occurred_at,
    stream_sequence = EXCLUDED.stream_sequence, recorded_at = clock_timestamp()
  WHERE transcript_segments.stream_sequence IS NULL
     OR transcript_segments.stream_sequence <= EXCLUDED.stream_sequence`;

/** Writes a batch of final segments and the batch's dead letters in one transaction. */
@Injectable()
export class TranscriptSegmentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async writeBatch(batch: TranscriptBatch): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const finals = newestPerSegment(batch.finals);
      if (finals.length > 0) {
        const rows = finals.map(({ segment, streamSequence }) => ({
          s: segment,
          seq: streamSequence,
        }));
        await manager.query(UPSERT_FINALS_SQL, [JSON.stringify(rows)]);
      }
      if (batch.deadLetters.length > 0) {
        await manager.query(INSERT_DEAD_LETTERS_SQL, [
          JSON.stringify(batch.deadLetters.map(deadLetterJson)),
        ]);
      }
    });
  }
}

/** One statement cannot update a row twice: of a segment's finals in one batch, the newest. */
function newestPerSegment(finals: StoredTranscriptSegment[]): StoredTranscriptSegment[] {
  const newest = new Map<string, StoredTranscriptSegment>();
  for (const final of finals) {
    const held = newest.get(final.segment.segmentId);
    if (!held || held.streamSequence < final.streamSequence) {
      newest.set(final.segment.segmentId, final);
    }
  }
  return [...newest.values()];
}
