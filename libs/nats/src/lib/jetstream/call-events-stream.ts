import {
  DiscardPolicy,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
  StreamConfig,
  nanos,
} from 'nats';
import { CALL_EVENT_MAX_BYTES, CALL_EVENTS_STREAM, CALL_EVENTS_WILDCARD } from '@asb/contracts';
import type { CallEventsStreamEnv } from '@asb/config';

export type ProvisionOutcome = 'created' | 'updated' | 'unchanged';

export interface StreamIdentity {
  name: string;
  subjects: string[];
}

/**
 * Largest message the stream stores (headers included). Above the contract's body limit, so a
 * body a little too large is still stored and then dead-lettered where it can be seen, but far
 * below the server's 1 MB default, so nothing can fill the stream with huge messages.
 */
export const CALL_EVENT_STREAM_MAX_MSG_SIZE = CALL_EVENT_MAX_BYTES + 4 * 1024;

const CALL_EVENTS: StreamIdentity = { name: CALL_EVENTS_STREAM, subjects: [CALL_EVENTS_WILDCARD] };

export function callEventsStreamConfig(
  limits: CallEventsStreamEnv,
  identity: StreamIdentity = CALL_EVENTS,
): Partial<StreamConfig> & { name: string } {
  return {
    name: identity.name,
    subjects: identity.subjects,
    description: 'Call lifecycle events of the Audio Streaming Bridge',
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(limits.CALL_EVENTS_MAX_AGE_HOURS * 3600 * 1000),
    max_bytes: limits.CALL_EVENTS_MAX_BYTES,
    max_msgs: limits.CALL_EVENTS_MAX_MSGS,
    max_msg_size: CALL_EVENT_STREAM_MAX_MSG_SIZE,
    num_replicas: limits.CALL_EVENTS_REPLICAS,
    duplicate_window: nanos(limits.CALL_EVENTS_DUPLICATE_WINDOW_SECONDS * 1000),
  };
}

const COMPARED_FIELDS = [
  'subjects',
  'storage',
  'retention',
  'discard',
  'max_age',
  'max_bytes',
  'max_msgs',
  'max_msg_size',
  'num_replicas',
  'duplicate_window',
] as const;

/**
 * Creates the call events stream, or brings its limits to the configured ones. Safe to run from
 * every replica at every start: an identical stream is left alone.
 */
export function provisionCallEventsStream(
  jsm: JetStreamManager,
  limits: CallEventsStreamEnv,
  identity: StreamIdentity = CALL_EVENTS,
): Promise<ProvisionOutcome> {
  return provisionStream(jsm, callEventsStreamConfig(limits, identity));
}

/**
 * Creates a stream, or brings its subjects, storage and limits to the wanted ones (what else an
 * operator set is kept). Safe to run from every replica at every start: an identical stream is
 * left alone, and a replica that loses the race to create it compares instead.
 */
export async function provisionStream(
  jsm: JetStreamManager,
  wanted: Partial<StreamConfig> & { name: string },
): Promise<ProvisionOutcome> {
  let existing: StreamConfig | undefined;
  try {
    existing = (await jsm.streams.info(wanted.name)).config;
  } catch (error) {
    if (!/stream not found/i.test((error as Error).message)) throw error;
  }
  if (!existing) {
    try {
      await jsm.streams.add(wanted);
      return 'created';
    } catch (error) {
      // Another replica created it between our info and add: fall through to the comparison.
      if (!/already in use/i.test((error as Error).message)) throw error;
      existing = (await jsm.streams.info(wanted.name)).config;
    }
  }
  const differs = COMPARED_FIELDS.some(
    (field) =>
      wanted[field] !== undefined &&
      JSON.stringify(existing?.[field]) !== JSON.stringify(wanted[field]),
  );
  if (!differs) return 'unchanged';
  await jsm.streams.update(wanted.name, { ...existing, ...wanted });
  return 'updated';
}
