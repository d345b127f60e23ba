import { Controller, Get } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { z } from 'zod';
import { Authenticated } from '../auth/access.decorator';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodParams, ZodQuery, ZodResponse } from '../http/zod-openapi';
import { CallsService } from './calls.service';
import { callIdParamsSchema, CallQuery, callQuerySchema } from './dtos/call-query.dto';
import { CallDetail, callDetailSchema, CallPage, callPageSchema } from '@asb/contracts';

@ApiTags('calls')
@Controller(`${API_PREFIX}/calls`)
@Authenticated()
@ApiServiceUnavailableResponse({ description: 'the call records cannot be read right now' })
export class CallsController {
  constructor(private readonly calls: CallsService) {}

  @Get()
  @ApiOperation({ summary: 'Call history with filters, sorting and cursor pagination' })
  @ZodResponse(200, callPageSchema, 'one page of calls')
  list(@ZodQuery(callQuerySchema) query: CallQuery): Promise<CallPage> {
    return this.calls.list(query);
  }

  @Get(':callId')
  @ApiOperation({ summary: 'One call: its event timeline, streams, health series and recording' })
  @ZodResponse(200, callDetailSchema, 'the call')
  @ApiNotFoundResponse({ description: 'no record of that call' })
  detail(
    @ZodParams(callIdParamsSchema) params: z.output<typeof callIdParamsSchema>,
  ): Promise<CallDetail> {
    return this.calls.detail(params.callId);
  }
}
