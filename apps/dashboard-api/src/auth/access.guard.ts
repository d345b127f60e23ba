import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { UserRole } from '@asb/contracts';
import { RECORDING_TICKET_PARAM, REQUIRED_ROLE } from './access.decorator';
import type { AuthUser } from './auth-user';
import { AuthService } from './auth.service';
import type { TokenClaims } from './access-tokens';

export interface AuthenticatedRequest extends Request {
  user: AuthUser;
  tokenClaims: TokenClaims;
}

const ROLE_RANK: Record<UserRole, number> = { viewer: 0, admin: 1 };

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndOverride<UserRole>(REQUIRED_ROLE, targets) ?? 'viewer';
    const ticketParam = this.reflector.getAllAndOverride<string | undefined>(
      RECORDING_TICKET_PARAM,
      targets,
    );
    const ticket =
      typeof request.query['ticket'] === 'string' ? request.query['ticket'] : undefined;

    const { user, claims } =
      ticketParam && ticket && !request.headers.authorization
        ? await this.auth.authenticate(ticket, 'recording')
        : await this.auth.authenticate(bearerToken(request.headers.authorization), 'access');
    if (claims.purpose === 'recording' && claims.callId !== request.params[ticketParam as string]) {
      throw new ForbiddenException('the ticket is for another call');
    }
    if (ROLE_RANK[user.role] < ROLE_RANK[required]) {
      throw new ForbiddenException(`this needs the ${required} role`);
    }
    request.user = user;
    request.tokenClaims = claims;
    return true;
  }
}
