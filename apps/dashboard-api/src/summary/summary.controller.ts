import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { Authenticated } from '../auth/access.decorator';
import { CallRecordsRepository } from '../calls/call-records.repository';
import { CallRecordsUnavailable } from '../calls/call-records-unavailable.error';
import { API_PREFIX } from '../http/api-prefix.constant';
import { ZodQuery, ZodResponse } from '../http/zod-openapi';
import { LiveCallsStore } from '../live/live-calls.store';
import { Summary, summarySchema } from '@asb/contracts';
import { summaryQuerySchema } from './dtos/summary.dto';

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

@ApiTags('metrics')
@Controller(`${API_PREFIX}/summary`)
@Authenticated()
export class SummaryController {
  constructor(
    private readonly store: LiveCallsStore,
    private readonly records: CallRecordsRepository,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Active calls and stream health now; calls per hour, answer rate and average duration over a window',
  })
  @ZodResponse(200, summarySchema, 'the summary')
  async summary(
    @ZodQuery(summaryQuerySchema) query: z.output<typeof summaryQuerySchema>,
  ): Promise<Summary> {
    const live = this.store.counts();
    try {
      const history = await this.records.summary(new Date(Date.now() - query.hours * 3600_000));
      const decided = history.answered + history.missed;
      return {
        at: new Date().toISOString(),
        live,
        history: {
          hours: query.hours,
          calls: history.calls,
          answered: history.answered,
          missed: history.missed,
          answerRate: decided === 0 ? null : Math.round((history.answered / decided) * 1000) / 1000,
          averageDurationSeconds: seconds(history.averageDurationMs),
          averageTalkSeconds: seconds(history.averageTalkMs),
          callsPerHour: history.perHour,
        },
        historyError: null,
      };
    } catch (error) {
      // The live half is still the truth when the records are out of reach.
      if (!(error instanceof CallRecordsUnavailable)) throw error;
      return { at: new Date().toISOString(), live, history: null, historyError: error.message };
    }
  }
}
