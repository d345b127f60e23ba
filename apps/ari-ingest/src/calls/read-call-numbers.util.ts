import type { AriChannel } from '../ari/ari-model';

export interface CallNumbers {
  /**
   * The number calling: the customer's on an incoming call, the caller id a dialled call presents.
   */
  callerNumber?: string;
  /**
   * The number dialled: the customer's on a dialled call, the number called (the DID) on an
   * incoming call.
   */
  calleeNumber?: string;
}

/**
 * The numbers of a call as its trunk channel's latest snapshot shows them, on top of those known
 * from earlier snapshots. The channel's JSON means different things by direction:
 * - A channel Asterisk's Dial created (app AppDial "(Outgoing Line)") has the dialling channel's
 *   exten, and, unless its driver preset one, that exten as its caller number: its caller is the
 *   party at its far end, its connected line the caller id it presents (app_dial.c,
 *   dial_exec_full). For VICIdial the dialling channel is the Local half at
 *   `<dial prefix><number>`, so the number dialled is that exten without the prefix.
 * - An incoming channel starts in the dialplan at the number it was called on and moves on (AGI,
 *   Goto, a conference room), and its connected line is whoever it gets connected to: the first
 *   exten seen is the number called, and its caller is the customer.
 * Until Dial has staged it, a dialled channel is at exten `s` with no caller id, so no number.
 */
export function readCallNumbers(
  channel: AriChannel,
  known: CallNumbers,
  dialPrefixes: readonly string[],
): CallNumbers {
  const exten = channel.dialplan?.exten;
  const extenNumber = exten && exten !== 's' ? exten : undefined;
  if (channel.dialplan?.app_name === 'AppDial') {
    return {
      callerNumber: channel.connected?.number || known.callerNumber,
      calleeNumber: extenNumber ? withoutDialPrefix(extenNumber, dialPrefixes) : known.calleeNumber,
    };
  }
  return {
    callerNumber: channel.caller?.number || known.callerNumber,
    calleeNumber: known.calleeNumber ?? extenNumber,
  };
}

/** The exten without the longest listed prefix it starts with (and is longer than). */
function withoutDialPrefix(exten: string, dialPrefixes: readonly string[]): string {
  let longest = '';
  for (const prefix of dialPrefixes) {
    if (prefix.length > longest.length && exten.length > prefix.length && exten.startsWith(prefix))
      longest = prefix;
  }
  return exten.slice(longest.length);
}
