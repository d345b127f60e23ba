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
  return value as unknown as AriEvent;
}
