import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerOptions } from '@nestjs/throttler';
import type { Response } from 'express';
import type { DashboardApiConfig } from '../config/dashboard-api.config';

/** Longest user name tracked: the login schema refuses longer ones anyway. */
const USER_NAME_TRACKED_LENGTH = 64;

/** The user name a login attempt names, as the login will read it (trimmed, case-insensitive). */
function attemptedUserName(request: Record<string, unknown>): string {
  const username = (request['body'] as { username?: unknown } | undefined)?.username;
  return typeof username === 'string'
    ? username.trim().toLowerCase().slice(0, USER_NAME_TRACKED_LENGTH)
    : '';
}

/**
 * Two limits on login attempts: per client address (as the trusted proxies forward it), so one
 * client cannot guess on, and per user name, so many addresses cannot guess one password
 * together. Either one refuses with 429 and a standard Retry-After.
 */
export function loginThrottlers(config: DashboardApiConfig): ThrottlerOptions[] {
  const ttl = config.DASHBOARD_LOGIN_RATE_WINDOW_SECONDS * 1000;
  return [
    {
      name: 'login-address',
      limit: config.DASHBOARD_LOGIN_RATE_LIMIT,
      ttl,
      setHeaders: false,
      getTracker: (request: Record<string, unknown>) =>
        typeof request['ip'] === 'string' ? request['ip'] : 'unknown',
    },
    {
      name: 'login-user',
      limit: config.DASHBOARD_LOGIN_USER_RATE_LIMIT,
      ttl,
      setHeaders: false,
      getTracker: attemptedUserName,
    },
  ];
}

@Injectable()
export class LoginThrottleGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    await super.throwThrottlingException(context, detail);
  }
}
