import { createHash, timingSafeEqual } from 'node:crypto';

/** A client the tokens know: its id, and the campaigns it may listen to (all when unset). */
export interface InboundClientScope {
  clientId: string;
  campaigns?: readonly string[];
}

export type ClientAuthentication =
  ({ ok: true } & InboundClientScope) | { ok: false; reason: 'missing_token' | 'bad_token' };

/** Whether a client may have the call of this campaign. */
export function inScope(scope: InboundClientScope, campaign: string | undefined): boolean {
  return !scope.campaigns || (campaign !== undefined && scope.campaigns.includes(campaign));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The bearer tokens of inbound clients. Tokens are compared as SHA-256 digests in constant time
 * (so neither a token's length nor its prefix leaks through timing), and every configured token
 * is compared on every request. A client is known by its id; its token is never logged.
 */
export class ClientTokens {
  private readonly digests: Array<{ scope: InboundClientScope; digest: Buffer }>;

  constructor(entries: ReadonlyArray<InboundClientScope & { token: string }>) {
    this.digests = entries.map(({ token, ...scope }) => ({ scope, digest: digest(token) }));
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Checks an `Authorization: Bearer <token>` header. */
  authenticate(authorization: string | undefined): ClientAuthentication {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { ok: false, reason: 'missing_token' };
    const presented = digest(match[1]);
    let scope: InboundClientScope | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(presented, entry.digest) && scope === undefined) scope = entry.scope;
    }
    return scope === undefined ? { ok: false, reason: 'bad_token' } : { ok: true, ...scope };
  }
}
