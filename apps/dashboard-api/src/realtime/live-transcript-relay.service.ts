import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { Subscription } from 'nats';
import type { Namespace, Socket } from 'socket.io';
import {
  ContractViolation,
  decodeTranscriptSegment,
  LIVE_SERVER_EVENTS,
  TRANSCRIPT_PREFIX,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { transcriptRoom } from './live-namespace.constant';

/** Calls one socket may watch at once: a call page watches one, a wall of them a few. */
export const MAX_WATCHED_TRANSCRIPTS = 20;

/**
 * Live transcripts: while at least one socket of this replica watches a call, the replica
 * subscribes to `transcript.v1.<callId>.*` and relays each valid segment, as the worker
 * published it, to the call's room. Replicas subscribe per call, not to every transcript, so
 * what a replica decodes follows what its dashboards show.
 */
@Injectable()
export class LiveTranscriptRelay implements BeforeApplicationShutdown {
  private namespace?: Namespace;
  private readonly relays = new Map<string, { subscription: Subscription; watchers: number }>();
  /** Per socket: the calls it watches. */
  private readonly watching = new Map<Socket, Set<string>>();
  private readonly relayed;
  private readonly invalid;

  constructor(
    private readonly nats: NatsClient,
    metrics: MetricsRegistry,
  ) {
    this.relayed = metrics.counter({
      name: 'dashboard_transcript_segments_relayed_total',
      help: 'Transcript segments relayed to dashboards watching their call',
    });
    this.invalid = metrics.counter({
      name: 'dashboard_live_invalid_messages_total',
      help: 'Messages refused by the live view, by subject kind and reason',
      labelNames: ['kind', 'reason'],
    });
  }

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  /** Joins the socket to the call's transcript; resolves once NATS has the subscription. */
  async watch(socket: Socket, callId: string): Promise<void> {
    const calls = this.watching.get(socket) ?? new Set<string>();
    if (calls.has(callId)) return;
    if (calls.size >= MAX_WATCHED_TRANSCRIPTS) {
      throw new TooManyTranscriptsWatched();
    }
    calls.add(callId);
    this.watching.set(socket, calls);
    await socket.join(transcriptRoom(callId));
    this.retain(callId);
    await this.nats.connection.flush();
  }

  async unwatch(socket: Socket, callId: string): Promise<void> {
    const calls = this.watching.get(socket);
    if (!calls?.delete(callId)) return;
    if (calls.size === 0) this.watching.delete(socket);
    await socket.leave(transcriptRoom(callId));
    this.release(callId);
  }

  /** The socket is gone: socket.io has left its rooms; the subscriptions are released. */
  forget(socket: Socket): void {
    const calls = this.watching.get(socket);
    this.watching.delete(socket);
    for (const callId of calls ?? []) this.release(callId);
  }

  private retain(callId: string): void {
    const relay = this.relays.get(callId);
    if (relay) {
      relay.watchers += 1;
      return;
    }
    const room = transcriptRoom(callId);
    const subscription = this.nats.connection.subscribe(`${TRANSCRIPT_PREFIX}.${callId}.*`, {
      callback: (error, message) => {
        if (error || !this.namespace) return;
        try {
          const segment = decodeTranscriptSegment(message.subject, message.data);
          this.namespace.to(room).emit(LIVE_SERVER_EVENTS.transcript, segment);
          this.relayed.inc();
        } catch (violation) {
          if (!(violation instanceof ContractViolation)) throw violation;
          this.invalid.inc({ kind: 'transcript', reason: violation.reason });
        }
      },
    });
    this.relays.set(callId, { subscription, watchers: 1 });
  }

  private release(callId: string): void {
    const relay = this.relays.get(callId);
    if (!relay) return;
    relay.watchers -= 1;
    if (relay.watchers > 0) return;
    relay.subscription.unsubscribe();
    this.relays.delete(callId);
  }

  beforeApplicationShutdown(): void {
    for (const relay of this.relays.values()) relay.subscription.unsubscribe();
    this.relays.clear();
    this.watching.clear();
  }
}

/** A socket asked for more live transcripts than it may watch at once. */
export class TooManyTranscriptsWatched extends Error {
  override readonly name = 'TooManyTranscriptsWatched';

  constructor() {
    super(`a dashboard watches at most ${MAX_WATCHED_TRANSCRIPTS} transcripts at once`);
  }
}
