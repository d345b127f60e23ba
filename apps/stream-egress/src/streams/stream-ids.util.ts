import { createHash, randomBytes } from 'node:crypto';

/** Twilio stream ids are `MZ` + 32 hex digits; every stream id here has that shape. */
const STREAM_ID_PREFIX = 'MZ';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The id of a call's stream to an outbound target: derived, so a replica that takes the stream
 * over announces the same streamSid and the backend sees one stream resume.
 */
export function outboundStreamId(callId: string, targetId: string): string {
  return STREAM_ID_PREFIX + sha256Hex(`${callId}|${targetId}`).slice(0, 32);
}

export function inboundStreamId(): string {
  return STREAM_ID_PREFIX + randomBytes(16).toString('hex');
}

/** A short stable id of a route's target, used in claim keys. */
export function targetId(route: string, index: number, url: string, format: string): string {
  return sha256Hex(`${route}|${index}|${url}|${format}`).slice(0, 16);
}

/** A URL fit for logs and events: no credentials, no query. */
export function urlLabel(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
