import { z } from 'zod';

const percent = z.number().min(0).max(100);

export const faultsSchema = z
  .object({
    /** Which servers the ARI faults apply to; all when omitted. RTP faults apply to every stream. */
    servers: z.array(z.string().min(1)).min(1).optional(),
    rtp: z
      .object({
        lossPercent: percent,
        duplicatePercent: percent,
        reorderPercent: percent,
        jitterMs: z.number().min(0).max(1000),
      })
      .partial()
      .strict()
      .optional(),
    ari: z
      .object({
        stasisStartDelayMs: z.number().int().min(0).max(60_000),
        stasisEntryMs: z.number().min(0).max(1000),
        stasisStartBeforeReply: z.boolean(),
        restDelayMs: z.number().int().min(0).max(60_000),
        restFailureRate: z.number().min(0).max(1),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

export type FaultsRequest = z.output<typeof faultsSchema>;

/** An event of any shape the simulator sends as Asterisk would, to test a client's guard. */
export const injectedEventSchema = z
  .object({
    type: z.string().min(1).max(64),
    /** The event's fields besides type, timestamp, asterisk_id and application; may replace `channel`. */
    fields: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type InjectedEvent = z.output<typeof injectedEventSchema>;
