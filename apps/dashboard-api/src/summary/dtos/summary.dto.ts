import { z } from 'zod';

export const summaryQuerySchema = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(24)
    .describe('the history part covers calls started in the last this many hours'),
});
