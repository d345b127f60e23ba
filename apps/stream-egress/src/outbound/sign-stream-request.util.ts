import { createHmac } from 'node:crypto';

/** Headers stream-egress adds to its WebSocket handshake so a backend can verify the sender. */
export const SIGNATURE_HEADERS = {
  timestamp: 'X-ASB-Timestamp',
  streamId: 'X-ASB-Stream-Id',
  signature: 'X-ASB-Signature',
} as const;

/**
 * The signature of one handshake: `v1=` + hex HMAC-SHA256, keyed with the target's secret, of
 * `<timestamp>.<streamId>` (timestamp in Unix seconds). A backend recomputes it, compares in
 * constant time, refuses timestamps more than a few minutes off, and can check that the streamId
 * is the one the stream then announces (Twilio's start.streamSid, jambonz's streamId).
 */
export function streamSignature(secret: string, timestamp: number, streamId: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${streamId}`).digest('hex')}`;
}

export function signatureHeaders(
  secret: string,
  streamId: string,
  nowMs = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.streamId]: streamId,
    [SIGNATURE_HEADERS.signature]: streamSignature(secret, timestamp, streamId),
  };
}
