import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AriError } from '../../pbx/ari-error';

/**
 * Adapts a route body to Express with ARI's reply conventions: a value is 200 JSON, nothing is
 * 204, an AriError is its status with `{"message": ...}` (or `{"error": ...}`), anything else a 500 like Asterisk's.
 */
export function handled(body: (req: Request) => unknown): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => body(req))
      .then((value) => {
        if (value === undefined) res.status(204).end();
        else res.status(200).json(value);
      })
      .catch((error: unknown) => {
        if (error instanceof AriError)
          res.status(error.status).json({ [error.field]: error.message });
        else next(error);
      });
  };
}
