/** Longest message body kept in a dead letter; call events are at most 16 KiB anyway. */
const MAX_PARKED_BYTES = 64 * 1024;

export type DeadLetterSource = 'call_event' | 'transcript' | 'stats';

/** A message to park in dead_letters, as the repositories insert it. */
export interface DeadLetterRow {
  source: DeadLetterSource;
  subject: string;
  reason: string;
  error: string;
  payload: Uint8Array;
  /** JetStream stream sequence: parking the same stored message twice keeps one row. */
  streamSequence?: number;
  deliveryCount?: number;
}

/**
 * PostgreSQL text cannot hold U+0000, and a parse error quotes the bad input: the NUL is written
 * out as its JSON escape, so the dead letter is stored and still shows where the NUL was.
 */
function storableText(text: string, maxLength: number): string {
  return text.replaceAll('\u0000', '\\u0000').slice(0, maxLength);
}

/** The row as the `jsonb_to_recordset` insert of the repositories reads it. */
export function deadLetterJson(row: DeadLetterRow): Record<string, unknown> {
  const payload = row.payload.subarray(0, MAX_PARKED_BYTES);
  return {
    source: row.source,
    subject: storableText(row.subject, 512),
    reason: storableText(row.reason, 64),
    error: storableText(row.error, 4000),
    payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('hex'),
    stream_sequence: row.streamSequence ?? null,
    delivery_count: row.deliveryCount ?? null,
  };
}

/** Inserts `$1` (a JSON array of deadLetterJson rows), once per stored message. */
export const INSERT_DEAD_LETTERS_SQL = `
  INSERT INTO dead_letters (source, subject, reason, error, payload, stream_sequence, delivery_count)
  SELECT d.source, d.subject, d.reason, d.error, decode(d.payload, 'hex'), d.stream_sequence, d.delivery_count
  FROM jsonb_to_recordset($1::jsonb) AS d(
    source varchar, subject varchar, reason varchar, error text, payload text,
    stream_sequence bigint, delivery_count integer)
  ON CONFLICT (source, stream_sequence) WHERE stream_sequence IS NOT NULL DO NOTHING`;
