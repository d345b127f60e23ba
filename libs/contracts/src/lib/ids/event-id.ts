import { v5 as uuidv5, v4 as uuidv4 } from 'uuid';

/** Namespace of the bridge's name-based event ids (a fixed, randomly chosen UUID). */
const EVENT_ID_NAMESPACE = '6f1d0c52-8a0e-4c3f-9a57-2d5b1f7e4a90';

/**
 * An event id derived from what the event *is* (`callId`, event, track, ...). Publishing the
 * same fact twice, e.g. after an ari-ingest restart, yields the same id, so JetStream's
 * de-duplication window and the logger's idempotent writes both drop the repeat.
 */
export function deterministicEventId(...parts: ReadonlyArray<string | number>): string {
  return uuidv5(parts.join('\u001f'), EVENT_ID_NAMESPACE);
}

/** An event id for facts that may legitimately repeat (e.g. successive metadata updates). */
export function randomEventId(): string {
  return uuidv4();
}
