import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import type { LoginResult } from '@asb/contracts';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../users/users.service';
import {
  AccessTokens,
  RECORDING_TOKEN_TTL_SECONDS,
  TokenClaims,
  TokenPurpose,
} from './access-tokens';
import type { AuthUser } from './auth-user';
import { AuthNotConfigured } from './auth-not-configured.error';
import { PasswordHasher } from '../users/password-hasher';

/** One message for every refusal, so a caller cannot probe which names exist. */
const BAD_CREDENTIALS = 'invalid username or password';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly tokens: AccessTokens,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  async login(
    username: string,
    password: string,
    clientAddress: string,
  ): Promise<Omit<LoginResult, 'tokenType'>> {
    if (!this.tokens.configured) throw new AuthNotConfigured();
    const user = await this.users.findByUsername(username);
    const valid = await this.hasher.verify(user?.passwordHash, password);
    if (!user || !valid || user.disabled) {
      await this.audit
        .record({
          action: 'login_failed',
          user: { id: user?.id ?? null, username: username.toLowerCase().slice(0, 64) },
          clientAddress,
          detail: { reason: !user ? 'unknown_user' : user.disabled ? 'disabled' : 'bad_password' },
        })
        .catch((error: unknown) => this.logger.warn((error as Error).message));
      throw new UnauthorizedException(BAD_CREDENTIALS);
    }
    const authUser: AuthUser = { id: user.id, username: user.username, role: user.role };
    const accessToken = this.tokens.sign(
      {
        sub: user.id,
        name: user.username,
        role: user.role,
        ver: user.tokenVersion,
        purpose: 'access',
      },
      this.tokens.accessTtlSeconds,
    );
    await this.users.recordLogin(user);
    await this.audit.record({ action: 'login_succeeded', user: authUser, clientAddress });
    return { accessToken, expiresIn: this.tokens.accessTtlSeconds, user: authUser };
  }

  /**
   * The user behind a token, checked against the stored user: a disabled user, a changed password
   * or role, or a deleted user revokes every token issued before.
   */
  async authenticate(
    token: string | undefined,
    purpose: TokenPurpose,
  ): Promise<{ user: AuthUser; claims: TokenClaims }> {
    if (!token) throw new UnauthorizedException('an access token is required');
    const claims = this.tokens.verify(token, purpose);
    if (!claims) throw new UnauthorizedException('the token is invalid or expired');
    const stored = await this.users.current(claims.sub);
    if (!stored || stored.disabled || stored.tokenVersion !== claims.ver) {
      throw new UnauthorizedException('the token has been revoked');
    }
    return { user: { id: stored.id, username: stored.username, role: stored.role }, claims };
  }

  /** A short-lived token that opens one call's recording, for media elements that cannot send headers. */
  recordingTicket(user: AuthUser, tokenVersion: number, callId: string): string {
    return this.tokens.sign(
      {
        sub: user.id,
        name: user.username,
        role: user.role,
        ver: tokenVersion,
        purpose: 'recording',
        callId,
      },
      RECORDING_TOKEN_TTL_SECONDS,
    );
  }
}
