import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG } from '@asb/config';
import { isAuthorized } from '../ari/ari-credentials';
import type { AsteriskSimConfig } from '../config/asterisk-sim.config';

/** The control API takes the same credentials as the simulated ARI. */
@Injectable()
export class ControlAuthGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AsteriskSimConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (
      !isAuthorized(req, { user: this.config.SIM_ARI_USER, password: this.config.SIM_ARI_PASSWORD })
    ) {
      throw new UnauthorizedException('ARI credentials required (basic auth or api_key)');
    }
    return true;
  }
}
