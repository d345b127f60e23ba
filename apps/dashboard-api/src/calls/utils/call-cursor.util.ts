import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import type { CallSort } from '../dtos/call-query.dto';
import { plainText } from '../../http/plain-text.schema';

/** Where a page ended: the sort key and call id of its last row, and the sort it belongs to. */
export interface CallCursor {
  sort: CallSort;
  key: string;
  callId: string;
}

const cursorSchema = z.object({
  sort: z.string(),
  key: plainText(64),
  callId: plainText(128),
});

/**
 * The sort key as PostgreSQL printed it (ISO DateStyle, or an integer), so a tampered cursor is a
 * 400 here instead of a cast error in the database.
 */
const SORT_KEY_FORMATS: Record<'startedAt' | 'durationMs', RegExp> = {
  startedAt: /^\d{4,6}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/,
  durationMs: /^-?\d{1,15}$/,
};

/** Opaque to clients: base64url JSON, so its shape can change without breaking them. */
export function encodeCallCursor(cursor: CallCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCallCursor(encoded: string, sort: CallSort): CallCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  const keyFormat = SORT_KEY_FORMATS[sort.replace(/^-/, '') as keyof typeof SORT_KEY_FORMATS];
  if (!result.success || result.data.sort !== sort || !keyFormat.test(result.data.key)) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid query',
      errors: ['cursor: is not a cursor of this listing (same sort) returned by the API'],
    });
  }
  return result.data as CallCursor;
}
