import { z } from 'zod';

export const liveTrendQuerySchema = z.strictObject({
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60)
    .describe('how far back, in minutes'),
});

export const liveCountsSchema = z.object({
  active: z.number().int(),
  ringing: z.number().int(),
  answered: z.number().int(),
  streams: z.object({
    waiting: z.number().int(),
    healthy: z.number().int(),
    degraded: z.number().int(),
    stalled: z.number().int(),
  }),
});

export const trendPointSchema = liveCountsSchema.extend({ at: z.iso.datetime() });

export const liveTrendSchema = z.object({
  sampleSeconds: z.number().int(),
  points: z.array(trendPointSchema),
});
