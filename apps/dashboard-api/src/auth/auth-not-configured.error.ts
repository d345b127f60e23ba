import { ServiceUnavailableException } from '@nestjs/common';

/** DASHBOARD_JWT_SECRET is unset: the service fails closed instead of issuing unsigned tokens. */
export class AuthNotConfigured extends ServiceUnavailableException {
  constructor() {
    super('authentication is not configured on this server (DASHBOARD_JWT_SECRET is unset)');
  }
}
