import { Injectable, Logger } from '@nestjs/common';
import { CallEvent, deterministicEventId, EgressStopped, SCHEMA_VERSION } from '@asb/contracts';
import { CallEventPublisher } from '@asb/nats';
import type { LiveCall } from '../calls/live-call';
import { EgressMetrics } from '../metrics/egress-metrics';
import type { EgressStream } from '../streams/egress-stream';

/** A publish is retried this long, then given up (logged and counted). */
const GIVE_UP_AFTER_MS = 5 * 60 * 1000;

/**
 * Publishes each stream's `egress_started` (its first connection opened) and `egress_stopped`
 * (it ended, with counts) on JetStream, in order per call. Event ids derive from the stream and
 * the replica that ran it, so a retried publish is de-duplicated by JetStream, and a stream taken
 * over by another replica is a new started/stopped pair.
 */
@Injectable()
export class EgressEventSink {
  private readonly logger = new Logger(EgressEventSink.name);
  private readonly chains = new Map<string, Promise<void>>();
  private closing = false;

  constructor(
    private readonly publisher: CallEventPublisher,
    private readonly metrics: EgressMetrics,
  ) {}

  started(stream: EgressStream, call: LiveCall, replicaId: string): void {
    this.emit({
      ...this.base(call),
      event: 'egress_started',
      eventId: deterministicEventId(call.callId, 'egress_started', stream.streamId, replicaId),
      ...this.target(stream),
      tracks: [...stream.spec.format.tracks],
    });
  }

  stopped(
    stream: EgressStream,
    call: LiveCall,
    reason: EgressStopped['reason'],
    replicaId: string,
  ): void {
    this.emit({
      ...this.base(call),
      event: 'egress_stopped',
      eventId: deterministicEventId(call.callId, 'egress_stopped', stream.streamId, replicaId),
      ...this.target(stream),
      reason,
      framesSent: stream.framesSent,
      framesDropped: stream.framesDropped,
      reconnects: stream.reconnects,
    });
  }

  private base(call: LiveCall) {
    return {
      schemaVersion: SCHEMA_VERSION,
      occurredAt: new Date().toISOString(),
      callId: call.callId,
      server: call.server,
      asteriskId: call.asteriskId,
      channelId: call.channelId,
      channelName: call.channelName,
      replay: call.replay,
    };
  }

  private target(stream: EgressStream) {
    return {
      direction: stream.spec.direction,
      target: stream.spec.target.slice(0, 512),
      format: stream.spec.format.name,
      streamId: stream.streamId,
    };
  }

  private emit(event: CallEvent): void {
    const previous = this.chains.get(event.callId) ?? Promise.resolve();
    const next = previous.then(() => this.publish(event));
    this.chains.set(event.callId, next);
    void next.then(() => {
      if (this.chains.get(event.callId) === next) this.chains.delete(event.callId);
    });
  }

  private async publish(event: CallEvent): Promise<void> {
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.publisher.publish(event);
        this.metrics.egressEvents.inc({ event: event.event, outcome: 'published' });
        return;
      } catch (error) {
        if (this.closing || Date.now() > deadline) {
          this.metrics.egressEvents.inc({ event: event.event, outcome: 'given_up' });
          this.logger.error(
            `gave up publishing ${event.event} of ${event.callId}: ${(error as Error).message}`,
          );
          return;
        }
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `publishing ${event.event} of ${event.callId} failed (attempt ${attempt}), retrying: ${(error as Error).message}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 10_000)));
      }
    }
  }

  /** Waits for queued events to be stored, at most `timeoutMs`; later failures are given up. */
  async flush(timeoutMs: number): Promise<void> {
    const pending = Promise.all([...this.chains.values()]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      pending,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.closing = true;
  }
}
