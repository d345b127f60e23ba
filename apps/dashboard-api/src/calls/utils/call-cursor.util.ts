import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import type { CallSort } from '../dtos/call-query.dto';

/** Where a page ended: the sort key and call id of its last row, and the sort it belongs to. */
export interface CallCursor {
  sort: CallSort;
  key: string;
  callId: string;
}

const cursorSchema = z.object({
  sort: z.string(),
  key: z.string().max(64),
  callId: z.string().max(128),
});

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
  if (!result.success || result.data.sort !== sort) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid query',
      errors: ['cursor: is not a cursor of this listing (same sort) returned by the API'],
    });
  }
  return result.data as CallCursor;
}
