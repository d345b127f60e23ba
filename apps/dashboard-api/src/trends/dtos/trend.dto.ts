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
