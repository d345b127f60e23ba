import { z } from 'zod';
import { AUDIO_DEFECTS } from '@asb/rtp';
import { keyPressesSchema } from '../calls/keypad';
import { CALL_TYPES } from '../calls/vicidial-call';

const range = (min: number, max: number) =>
  z
    .object({ min: z.number().int().min(min).max(max), max: z.number().int().min(min).max(max) })
    .refine((r) => r.min <= r.max, { message: 'min must not exceed max' });

/** What a scenario asks of the simulated call center; every field has a sane default. */
export const scenarioSchema = z.object({
  /** Servers to spread calls over (by name); all when omitted. */
  servers: z.array(z.string().min(1)).min(1).optional(),
  /** Calls placed in all; the scenario ends when they have all ended. */
  totalCalls: z.number().int().min(1).max(1_000_000).default(10),
  /** Calls up at once, at most. */
  concurrency: z.number().int().min(1).max(10_000).default(10),
  /** New calls per second while below the concurrency. */
  arrivalRate: z.number().positive().max(1000).default(5),
  ringMs: range(0, 120_000).default({ min: 200, max: 1500 }),
  talkMs: range(0, 3_600_000).default({ min: 3000, max: 10_000 }),
  /** Inbound calls: from the answer to the call code set by VICIdial's inbound AGI. */
  callCodeDelayMs: range(0, 60_000).default({ min: 100, max: 800 }),
  answerRatio: z.number().min(0).max(1).default(0.8),
  /** Share of the calls that the agent ends (the rest the customer). */
  agentHangupRatio: z.number().min(0).max(1).default(0.3),
  /** Relative weights of the call types; types left out are not placed. */
  mix: z
    .partialRecord(z.enum(CALL_TYPES), z.number().min(0))
    .refine((mix) => Object.values(mix).some((weight) => (weight ?? 0) > 0), {
      message: 'at least one call type needs a weight above 0',
    })
    .default({ outbound: 0.7, manual: 0.1, inbound: 0.2 }),
  campaigns: z.array(z.string().min(1).max(8)).min(1).default(['SALES', 'SUPPORT']),
  /**
   * Agents logged in on each server for the scenario: their phones sit in their rooms from the
   * start to the end, and each answered call goes to the next agent of its server.
   */
  agentsPerServer: z.number().int().min(1).max(5000).default(2),
  /** In-groups inbound calls come in on (vicidial_inbound_groups.group_id). */
  inGroups: z.array(z.string().min(1).max(20)).min(1).default(['SUPPORT_LINE']),
  /** Statuses agents give answered calls after they end, drawn at random. */
  dispositions: z
    .array(z.string().regex(/^[A-Za-z0-9]{1,6}$/, 'must be 1-6 letters or digits'))
    .min(1)
    .default(['SALE', 'NI', 'CALLBK', 'NP', 'DNC']),
  /**
   * Share of the answered dialled calls the agent sends on to an in-group mid-call (VICIdial's
   * LOCAL CLOSER): the customer's channel moves to an in-group agent's room.
   */
  transferRatio: z.number().min(0).max(1).default(0),
  /** Of the transferred calls, the share whose in-group agent is on another server (IAX2 legs). */
  transferElsewhereRatio: z.number().min(0).max(1).default(0.5),
  /** Share of the answered dialled calls parked for a moment mid-call and grabbed back. */
  parkRatio: z.number().min(0).max(1).default(0),
  /**
   * Shares of the answered calls whose audio is broken on purpose, by defect (byte_swapped,
   * ulaw_as_alaw, rate_8k_as_16k, silence, clipped): the customer's or the agent's side, drawn
   * at random, carries it for the whole call. For testing the bridge's audio verdicts.
   */
  audioDefects: z
    .partialRecord(z.enum(AUDIO_DEFECTS), z.number().min(0).max(1))
    .refine((shares) => Object.values(shares).reduce((sum, share) => sum + (share ?? 0), 0) <= 1, {
      message: 'the shares must add up to at most 1',
    })
    .default({}),
  /**
   * Keys the customer types on a share of the answered calls, `afterMs` into the talk (a card
   * number, a menu choice): each is reported on the customer's channel when released, as
   * Asterisk reports received DTMF.
   */
  keyPresses: keyPressesSchema
    .extend({
      ratio: z.number().min(0).max(1).default(1),
      afterMs: z.number().int().min(0).max(3_600_000).default(1000),
    })
    .optional(),
  /** From a call's end to its disposition in VICIdial's log. */
  dispositionDelayMs: range(0, 600_000).default({ min: 500, max: 3000 }),
  seed: z.number().int().default(1),
});

export type ScenarioSpec = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
