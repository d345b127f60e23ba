import { z } from 'zod';
import { liveCountsSchema } from '../../trends/dtos/trend.dto';

export const summaryQuerySchema = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(24)
    .describe('the history part covers calls started in the last this many hours'),
});

export const summarySchema = z.object({
  at: z.iso.datetime(),
  live: liveCountsSchema.describe('now, from the live feed (no database needed)'),
  history: z
    .object({
      hours: z.number().int(),
      calls: z.number().int(),
      answered: z.number().int(),
      missed: z.number().int().describe('ended without being answered'),
      answerRate: z.number().nullable().describe('answered / (answered + missed), 0-1'),
      averageDurationSeconds: z.number().nullable(),
      averageTalkSeconds: z.number().nullable(),
      callsPerHour: z.array(
        z.object({ hour: z.iso.datetime(), calls: z.number().int(), answered: z.number().int() }),
      ),
    })
    .nullable()
    .describe('from the call records; null when they cannot be read'),
  historyError: z.string().nullable(),
});
export type Summary = z.infer<typeof summarySchema>;
