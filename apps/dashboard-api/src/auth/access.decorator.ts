import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { UserRole } from '@asb/contracts';
import { AccessGuard } from './access.guard';

export const REQUIRED_ROLE = 'dashboard:required-role';
export const RECORDING_TICKET_PARAM = 'dashboard:recording-ticket-param';

/** The route needs a valid access token of a user with at least `role` (admin includes viewer). */
export function Authenticated(role: UserRole = 'viewer') {
  return applyDecorators(
    SetMetadata(REQUIRED_ROLE, role),
    UseGuards(AccessGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing, invalid, expired or revoked token' }),
    ...(role === 'admin' ? [ApiForbiddenResponse({ description: 'admins only' })] : []),
  );
}

/**
 * Also accepts a recording ticket in `?ticket=` for the call named by path parameter `param`, so
 * an <audio> element (which cannot send an Authorization header) can stream the recording.
 */
export function AcceptsRecordingTicket(param: string) {
  return SetMetadata(RECORDING_TICKET_PARAM, param);
}
