import { DTMF_DIGITS } from '@asb/contracts';

/** The parts of ARI's JSON the bridge reads; Asterisk sends more, and all of it is optional to us. */
export interface AriCallerId {
  name: string;
  number: string;
}

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller?: AriCallerId;
  connected?: AriCallerId;
  dialplan?: { context?: string; exten?: string; priority?: number; app_name?: string };
  creationtime?: string;
  channelvars?: Record<string, string>;
}

export interface AriBridge {
  id: string;
  channels: string[];
  name?: string;
}

export interface AriEvent {
  type: string;
  timestamp?: string;
  asterisk_id?: string;
  application?: string;
  channel?: AriChannel;
  bridge?: AriBridge;
  cause?: number;
  cause_txt?: string;
  args?: string[];
  /** ChannelDtmfReceived: the key released, and how long it was held. */
  digit?: string;
  duration_ms?: number;
}

/** The event types the bridge acts on; the eventFilter asks Asterisk for these only. */
export const HANDLED_EVENT_TYPES = [
  'ChannelCreated',
  'ChannelStateChange',
  'ChannelCallerId',
  'ChannelDestroyed',
  'StasisStart',
  'StasisEnd',
] as const;

/** Asked for besides those where key presses may become events (DTMF_EVENTS, DTMF_BY_CAMPAIGN). */
export const DTMF_EVENT_TYPE = 'ChannelDtmfReceived';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isChannel(value: unknown): value is AriChannel {
  return (
    isRecord(value) &&
    typeof value['id'] === 'string' &&
    typeof value['name'] === 'string' &&
    typeof value['state'] === 'string'
  );
}

/** A key Asterisk can report (one of the contract's), held a whole number of milliseconds. */
function isDtmfPress(value: Record<string, unknown>): boolean {
  const { digit, duration_ms: durationMs } = value;
  return (
    isChannel(value['channel']) &&
    typeof digit === 'string' &&
    digit.length === 1 &&
    DTMF_DIGITS.includes(digit) &&
    Number.isSafeInteger(durationMs) &&
    (durationMs as number) >= 0
  );
}

/**
 * Checks an events WebSocket message just enough to act on it safely: a type, and a well-formed
 * channel where one is present. Returns the reason when the message is unusable.
 */
export function readAriEvent(text: string): AriEvent | { invalid: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { invalid: 'malformed_json' };
  }
  if (!isRecord(value) || typeof value['type'] !== 'string') return { invalid: 'missing_type' };
  if (value['channel'] !== undefined && !isChannel(value['channel'])) {
    return { invalid: 'malformed_channel' };
  }
  if (value['cause'] !== undefined && typeof value['cause'] !== 'number') {
    return { invalid: 'malformed_cause' };
  }
  if (value['type'] === DTMF_EVENT_TYPE && !isDtmfPress(value)) {
    return { invalid: 'malformed_dtmf' };
  }
  return value as unknown as AriEvent;
}
