import { AUDIO_VERDICTS, callIdSchema } from '@asb/contracts';
import { z } from 'zod';
import { plainText } from '../../http/plain-text.schema';

export const CALL_SORTS = ['-startedAt', 'startedAt', '-durationMs', 'durationMs'] as const;
export type CallSort = (typeof CALL_SORTS)[number];

const isoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with a zone, e.g. 2025-01-31T08:00:00Z',
});

export const callQuerySchema = z
  .strictObject({
    state: z
      .enum(['active', 'started', 'answered', 'ended'])
      .optional()
      .describe('active = not ended yet; started = ringing; answered = in conversation; ended'),
    answered: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional()
      .describe('true: calls that were answered at some point; false: never answered'),
    from: isoTime.optional().describe('calls started at or after this time'),
    to: isoTime.optional().describe('calls started before this time'),
    number: z
      .string()
      .regex(/^[0-9+*#]{1,64}$/, 'must be 1-64 characters of 0-9 + * #')
      .optional()
      .describe('caller or callee number, or its beginning'),
    leadId: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    campaign: plainText(256).optional(),
    agent: plainText(256).optional().describe("the agent's VICIdial user"),
    inGroup: plainText(256).optional().describe('the in-group of inbound calls'),
    status: plainText(256)
      .optional()
      .describe("VICIdial's status of the call (the agent's disposition)"),
    server: plainText(40).optional(),
    audioVerdict: z
      .enum(['any', ...AUDIO_VERDICTS])
      .optional()
      .describe('calls whose audio had this verdict raised (any: one of them)'),
    conversationId: callIdSchema
      .optional()
      .describe('the legs of one conversation (a call id: its first leg)'),
    sort: z.enum(CALL_SORTS).default('-startedAt').describe('a leading - sorts descending'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional().describe('nextCursor of the previous page'),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), {
    message: 'from must be before to',
    path: ['to'],
  });
export type CallQuery = z.output<typeof callQuerySchema>;

export const callIdParamsSchema = z.object({ callId: callIdSchema });
export type CallIdParams = z.output<typeof callIdParamsSchema>;
