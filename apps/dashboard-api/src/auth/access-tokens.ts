import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG } from '@asb/config';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import type { UserRole } from '@asb/contracts';
import { AuthNotConfigured } from './auth-not-configured.error';

/** `access` is a login session; `recording` lets an <audio> element fetch one call's recording. */
export type TokenPurpose = 'access' | 'recording';

export interface TokenClaims {
  sub: string;
  name: string;
  role: UserRole;
  /** The user's token version when the token was issued; a raised version revokes it. */
  ver: number;
  purpose: TokenPurpose;
  /** For a recording token: the only call it opens. */
  callId?: string;
  exp: number;
}

export const RECORDING_TOKEN_TTL_SECONDS = 300;

/** Signs and checks the service's JWTs (HS256 with DASHBOARD_JWT_SECRET). */
@Injectable()
export class AccessTokens implements OnModuleInit {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: DashboardApiConfig,
  ) {}

  onModuleInit(): void {
    if (!this.configured) {
      new Logger(AccessTokens.name).warn(
        'DASHBOARD_JWT_SECRET is unset: every login and every token is refused until it is set',
      );
    }
  }

  get configured(): boolean {
    return this.config.DASHBOARD_JWT_SECRET !== undefined;
  }

  private get secret(): string {
    const secret = this.config.DASHBOARD_JWT_SECRET;
    if (!secret) throw new AuthNotConfigured();
    return secret;
  }

  get accessTtlSeconds(): number {
    return this.config.DASHBOARD_JWT_TTL_MINUTES * 60;
  }

  sign(claims: Omit<TokenClaims, 'exp'>, ttlSeconds: number): string {
    return this.jwt.sign(claims, {
      secret: this.secret,
      expiresIn: ttlSeconds,
      algorithm: 'HS256',
    });
  }

  /** The token's claims, or undefined when it is malformed, forged, expired or not for `purpose`. */
  verify(token: string, purpose: TokenPurpose): TokenClaims | undefined {
    const secret = this.secret;
    try {
      const claims = this.jwt.verify<TokenClaims>(token, { secret, algorithms: ['HS256'] });
      return claims.purpose === purpose ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
