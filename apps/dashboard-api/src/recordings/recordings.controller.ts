import {
  ConflictException,
  Controller,
  Get,
  GoneException,
  NotFoundException,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { AcceptsRecordingTicket, Authenticated } from '../auth/access.decorator';
import { RECORDING_TOKEN_TTL_SECONDS, TokenClaims } from '../auth/access-tokens';
import type { AuthUser } from '../auth/auth-user';
import { AuthService } from '../auth/auth.service';
import { CurrentClaims, CurrentUser } from '../auth/current-user.decorator';
import { CallRecordsRepository, RecordingFile } from '../calls/call-records.repository';
import { CallIdParams, callIdParamsSchema } from '../calls/dtos/call-query.dto';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodParams, ZodResponse } from '../http/zod-openapi';
import { RecordingTicket, recordingTicketSchema } from './dtos/recording.dto';
import { RecordingFiles } from './recording-files';


/** A range that starts past byte 0 continues a playback already audited (seeking, buffering). */
function startsPlayback(range: string | undefined): boolean {
  if (!range) return true;
  const match = /^bytes=(\d*)-/.exec(range.trim());
  return !match || match[1] === '' || Number(match[1]) === 0;
}

@ApiTags('recordings')
@Controller(`${API_PREFIX}/calls/:callId/recording`)
@Authenticated('admin')
export class RecordingsController {
  constructor(
    private readonly records: CallRecordsRepository,
    private readonly files: RecordingFiles,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
  ) {}

  private async downloadable(callId: string): Promise<RecordingFile> {
    const recording = await this.records.findRecording(callId);
    if (!recording) throw new NotFoundException(`call ${callId} has no recording`);
    if (recording.state === 'recording') {
      throw new ConflictException(`the recording of call ${callId} is still being written`);
    }
    if (recording.state === 'failed')
      throw new GoneException(`the recording of call ${callId} failed`);
    return recording;
  }

  @Post('ticket')
  @ApiOperation({
    summary:
      'A short-lived URL of the recording, for an <audio> element (which cannot send headers)',
  })
  @ZodResponse(201, recordingTicketSchema, 'the URL')
  @ApiNotFoundResponse({ description: 'no recording' })
  async ticket(
    @ZodParams(callIdParamsSchema) params: CallIdParams,
    @CurrentUser() user: AuthUser,
    @CurrentClaims() claims: TokenClaims,
  ): Promise<RecordingTicket> {
    await this.downloadable(params.callId);
    const ticket = this.auth.recordingTicket(user, claims.ver, params.callId);
    return {
      url: `/${API_PREFIX}/calls/${params.callId}/recording?ticket=${encodeURIComponent(ticket)}`,
      expiresIn: RECORDING_TOKEN_TTL_SECONDS,
    };
  }

  @Get()
  @AcceptsRecordingTicket('callId')
  @ApiOperation({
    summary: 'Download or stream the recording (WAV); supports HTTP range requests',
    description:
      'Every download is written to the audit log (range requests that continue a playback are not counted again).',
  })
  @ApiQuery({
    name: 'ticket',
    required: false,
    description: 'a ticket from POST …/recording/ticket',
  })
  @ApiProduces('audio/wav')
  @ApiOkResponse({ description: 'the whole file' })
  @ApiNotFoundResponse({ description: 'no recording, or its file is missing' })
  @ApiConflictResponse({ description: 'the recording is still being written' })
  async download(
    @ZodParams(callIdParamsSchema) params: CallIdParams,
    @CurrentUser() user: AuthUser,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const recording = await this.downloadable(params.callId);
    const file = await this.files.locate(recording);
    if (startsPlayback(request.headers.range)) {
      await this.audit.record({
        action: 'recording_downloaded',
        user,
        callId: params.callId,
        clientAddress: request.ip,
        detail: { bytes: file.size, range: request.headers.range ?? null },
      });
    }
    await new Promise<void>((resolve) => {
      response.sendFile(
        file.path,
        {
          acceptRanges: true,
          cacheControl: false,
          headers: {
            'Content-Type': recording.format,
            'Content-Disposition': `inline; filename="${params.callId}.wav"`,
            'Cache-Control': 'private, no-store',
          },
        },
        (error?: Error & { status?: number }) => {
          // A client that stops reading mid-file (seeking) is normal; only a failure before
          // anything was sent gets an error response.
          if (error && !response.headersSent) {
            response
              .status(error.status ?? 500)
              .json({ statusCode: error.status ?? 500, message: error.message });
          }
          resolve();
        },
      );
    });
  }
}
