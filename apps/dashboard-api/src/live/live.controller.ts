import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Authenticated } from '../auth/access.decorator';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodResponse } from '../http/zod-openapi';
import { liveCallSchema } from '@asb/contracts';
import { LiveCallsStore } from './live-calls.store';

const liveCallsSchema = z.object({ at: z.iso.datetime(), calls: z.array(liveCallSchema) });

@ApiTags('live')
@Controller(`${API_PREFIX}/live`)
@Authenticated()
export class LiveController {
  constructor(private readonly store: LiveCallsStore) {}

  @Get('calls')
  @ApiOperation({
    summary:
      'Calls in progress now (socket.io namespace /live sends the same snapshot, then changes)',
  })
  @ZodResponse(200, liveCallsSchema, 'the calls in progress')
  calls(): z.infer<typeof liveCallsSchema> {
    return { at: new Date().toISOString(), calls: this.store.snapshot() };
  }
}
