import type { ErrorRequestHandler, RequestHandler } from 'express';
import { json } from 'express';

/** The largest JSON body the API reads: logins and user edits are a few hundred bytes. */
export const REQUEST_BODY_LIMIT_BYTES = 100 * 1024;

const BODY_ERRORS: Record<string, { statusCode: number; error: string; message: string }> = {
  'entity.parse.failed': {
    statusCode: 400,
    error: 'Bad Request',
    message: 'the request body is not valid JSON',
  },
  'entity.too.large': {
    statusCode: 413,
    error: 'Payload Too Large',
    message: `the request body is larger than ${REQUEST_BODY_LIMIT_BYTES / 1024} KiB`,
  },
  'encoding.unsupported': {
    statusCode: 415,
    error: 'Unsupported Media Type',
    message: 'the request body has an unsupported content encoding',
  },
  'charset.unsupported': {
    statusCode: 415,
    error: 'Unsupported Media Type',
    message: 'the request body has an unsupported charset',
  },
  'request.aborted': {
    statusCode: 400,
    error: 'Bad Request',
    message: 'the request body was not sent completely',
  },
};

/**
 * The JSON body parser, and an answer in the API's own error format to a body it cannot read.
 * Without this, the error reaches Express's fallback, which behind the served dashboard answers
 * 404 (or an HTML page) instead of 400/413.
 */
export function jsonBodyParser(): Array<RequestHandler | ErrorRequestHandler> {
  const rejectUnreadableBody: ErrorRequestHandler = (error, _request, response, next) => {
    const known = BODY_ERRORS[(error as { type?: string } | null)?.type ?? ''];
    if (!known) {
      next(error);
      return;
    }
    response.status(known.statusCode).json(known);
  };
  return [json({ limit: REQUEST_BODY_LIMIT_BYTES }), rejectUnreadableBody];
}
