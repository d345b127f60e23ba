import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AsteriskInstance } from '../pbx/asterisk-instance';

/** The keys a telephone sends as DTMF (RFC 4733 events 0-15), as Asterisk names them. */
export const KEYPAD_DIGITS = /^[0-9*#A-D]+$/;

/** Keys someone types on a call, and how: each key held `durationMs`, `gapMs` between keys. */
export const keyPressesSchema = z
  .object({
    digits: z.string().max(64).regex(KEYPAD_DIGITS, 'must be keypad keys: 0-9, *, #, A-D'),
    durationMs: z.number().int().min(40).max(2000).default(100),
    gapMs: z.number().int().min(0).max(10_000).default(100),
  })
  .strict();

export type KeyPresses = z.output<typeof keyPressesSchema>;

/**
 * Types keys on the far end of a channel: each key is reported when it is released, as Asterisk
 * does (only the end of received DTMF becomes ChannelDtmfReceived). Stops when the channel goes.
 * Resolves with the number of keys reported.
 */
export async function typeKeys(
  pbx: AsteriskInstance,
  channelId: string,
  presses: KeyPresses,
): Promise<number> {
  let reported = 0;
  for (const digit of presses.digits) {
    await sleep(presses.durationMs);
    const channel = pbx.channels.get(channelId);
    if (!channel || channel.destroyed) break;
    pbx.receiveDtmf(channel, digit, presses.durationMs);
    reported += 1;
    await sleep(presses.gapMs);
  }
  return reported;
}
