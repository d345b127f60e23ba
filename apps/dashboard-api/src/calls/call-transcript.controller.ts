import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CallTranscript, callTranscriptSchema } from '@asb/contracts';
import { AuditService } from '../audit/audit.service';
import { Authenticated } from '../auth/access.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodParams, ZodResponse } from '../http/zod-openapi';
import { CallsService } from './calls.service';
import { CallIdParams, callIdParamsSchema } from './dtos/call-query.dto';

/**
 * What was said on a call is the call's content, like its recording: customers speak card
 * numbers too. So only admins read it, and every read of one is in the audit log first.
 */
@ApiTags('calls')
@Controller(`${API_PREFIX}/calls/:callId/transcript`)
@Authenticated('admin')
@ApiServiceUnavailableResponse({
  description: 'the call records or the audit log cannot be written',
})
export class CallTranscriptController {
  constructor(
    private readonly calls: CallsService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'The final transcript segments call-logger stored for a call (empty when no worker transcribed it); every read is audited',
  })
  @ZodResponse(200, callTranscriptSchema, 'the stored finals, in the order they were spoken')
  async transcript(
    @ZodParams(callIdParamsSchema) params: CallIdParams,
    @CurrentUser() user: AuthUser,
    @Req() request: Request,
  ): Promise<CallTranscript> {
    const segments = await this.calls.transcript(params.callId);
    // Reading that a call has no transcript reveals nothing of it.
    if (segments.length > 0) {
      await this.audit.record({
        action: 'transcript_read',
        user,
        callId: params.callId,
        clientAddress: request.ip,
        detail: { segments: segments.length },
      });
    }
    return { callId: params.callId, segments };
  }
}
