import { setTimeout as sleep } from 'node:timers/promises';
import { headers, JetStreamClient, NatsConnection } from 'nats';
import {
  audioFrameHeaderEntries,
  audioSubject,
  CALL_EVENTS_STREAM,
  CallEvent,
  encodeCallEvent,
} from '@asb/contracts';
import type { ReplayPlan } from '../plan/replay-plan';

export interface PlayResult {
  frames: number;
  events: number;
  /** How far behind its time the latest item went out, in ms: the pace the machine kept. */
  maxLateMs: number;
  wallMs: number;
}

/** How often a long replay says how far it got. */
const PROGRESS_EVERY_MS = 10_000;

/** Frames sent between flushes when the player runs behind, so NATS is never flooded unbounded. */
const FLUSH_EVERY_FRAMES = 500;

/**
 * Publishes a planned replay at the recorded pace, or `speed` times faster: events to JetStream
 * (deduplicated by their eventId, stamped with the time they go out) and frames to core NATS
 * with every live header, stamped with a capture time on the replayed call's own clock. Each
 * item's time is fixed from the start, so a slow turn is made up, never carried over.
 */
export class ReplayPlayer {
  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly speed: number,
    private readonly onProgress: (plan: ReplayPlan, framesSent: number) => void = () => undefined,
  ) {}

  async play(plan: ReplayPlan, signal?: AbortSignal): Promise<PlayResult> {
    const startedAt = Date.now();
    let progressAt = startedAt + PROGRESS_EVERY_MS;
    let frames = 0;
    let events = 0;
    let maxLateMs = 0;
    let sinceFlush = 0;
    for (const [index, item] of plan.items.entries()) {
      const due = startedAt + item.atMs / this.speed;
      const wait = due - Date.now();
      // A stop ends the wait early (the timer rejects), then ends the call below.
      if (wait >= 1) await sleep(wait, undefined, { signal }).catch(() => undefined);
      else maxLateMs = Math.max(maxLateMs, -wait);
      if (signal?.aborted) {
        events += await this.endAtOnce(plan, index);
        break;
      }
      if (item.kind === 'event') {
        await this.publishEvent(item.event);
        events += 1;
        continue;
      }
      const h = headers();
      for (const [name, value] of audioFrameHeaderEntries({
        ...item.meta,
        capturedAt: startedAt + item.atMs,
      })) {
        h.set(name, value);
      }
      this.nc.publish(audioSubject(plan.callId, item.track), item.pcm, { headers: h });
      frames += 1;
      sinceFlush += 1;
      if (sinceFlush >= FLUSH_EVERY_FRAMES) {
        sinceFlush = 0;
        await this.nc.flush();
      }
      if (due >= progressAt) {
        progressAt = due + PROGRESS_EVERY_MS;
        this.onProgress(plan, frames);
      }
    }
    await this.nc.flush();
    return { frames, events, maxLateMs: Math.round(maxLateMs), wallMs: Date.now() - startedAt };
  }

  private async publishEvent(event: CallEvent): Promise<void> {
    const { subject, data } = encodeCallEvent({ ...event, occurredAt: new Date().toISOString() });
    await this.js.publish(subject, data, {
      msgID: event.eventId,
      expect: { streamName: CALL_EVENTS_STREAM },
    });
  }

  /**
   * A replay stopped part way still ends its call (the taps' and the call's last events go out
   * now), so no consumer is left following a call that will never end.
   */
  private async endAtOnce(plan: ReplayPlan, from: number): Promise<number> {
    const endings = plan.items
      .slice(from)
      .flatMap((item) =>
        item.kind === 'event' &&
        (item.event.event === 'tap_stopped' || item.event.event === 'ended')
          ? [item.event]
          : [],
      );
    for (const event of endings) await this.publishEvent(event);
    return endings.length;
  }
}
