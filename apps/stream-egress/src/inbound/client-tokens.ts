import { createHash, timingSafeEqual } from 'node:crypto';

export type ClientAuthentication =
  { ok: true; clientId: string } | { ok: false; reason: 'missing_token' | 'bad_token' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The bearer tokens of inbound clients. Tokens are compared as SHA-256 digests in constant time
 * (so neither a token's length nor its prefix leaks through timing), and every configured token
 * is compared on every request. A client is known by its id; its token is never logged.
 */
export class ClientTokens {
  private readonly digests: Array<{ clientId: string; digest: Buffer }>;

  constructor(entries: ReadonlyArray<{ clientId: string; token: string }>) {
    this.digests = entries.map((entry) => ({
      clientId: entry.clientId,
      digest: digest(entry.token),
    }));
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Checks an `Authorization: Bearer <token>` header. */
  authenticate(authorization: string | undefined): ClientAuthentication {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { ok: false, reason: 'missing_token' };
    const presented = digest(match[1]);
    let clientId: string | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(presented, entry.digest) && clientId === undefined)
        clientId = entry.clientId;
    }
    return clientId === undefined ? { ok: false, reason: 'bad_token' } : { ok: true, clientId };
  }
}
