import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface AriCredentials {
  user: string;
  password: string;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Basic auth or `api_key=user:password`, the two ways ARI accepts credentials. */
export function isAuthorized(req: IncomingMessage, credentials: AriCredentials): boolean {
  const expected = `${credentials.user}:${credentials.password}`;
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    return same(Buffer.from(header.slice(6), 'base64').toString('utf8'), expected);
  }
  const apiKey = new URL(req.url ?? '/', 'http://localhost').searchParams.get('api_key');
  return apiKey !== null && same(apiKey, expected);
}
