import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { Authenticated } from '../auth/access.decorator';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodQuery, ZodResponse } from '../http/zod-openapi';
import { LiveTrend, liveTrendSchema } from '@asb/contracts';
import { liveTrendQuerySchema } from './dtos/trend.dto';
import { TREND_SAMPLE_MS } from './live-trend';
import { LiveTrendSampler } from './live-trend-sampler.service';

@ApiTags('metrics')
@Controller(`${API_PREFIX}/trends`)
@Authenticated()
export class TrendsController {
  constructor(private readonly sampler: LiveTrendSampler) {}

  @Get('live')
  @ApiOperation({
    summary: 'Concurrent calls and stream health over the recent past, sampled by this replica',
  })
  @ZodResponse(200, liveTrendSchema, 'samples, oldest first')
  live(@ZodQuery(liveTrendQuerySchema) query: z.output<typeof liveTrendQuerySchema>): LiveTrend {
    return {
      sampleSeconds: TREND_SAMPLE_MS / 1000,
      points: this.sampler.since(Date.now() - query.minutes * 60_000),
    };
  }
}
