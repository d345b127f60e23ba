import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { MetricsRegistry } from '@asb/observability';
import {
  EndedCall,
  LIVE_SERVER_EVENTS,
  LiveCall,
  LiveCallsMessage,
  LiveHealthMessage,
  StreamHealthUpdate,
} from '@asb/contracts';
import { CallChangeKind, LiveCallsStore, LiveChangeListener } from '../live/live-calls.store';

/** Call changes go out within this long: well inside the one-second promise, few messages. */
const CALLS_FLUSH_MS = 100;
const HEALTH_FLUSH_MS = 250;
/** A stream's health goes to the dashboards at most about once in this period. */
const HEALTH_MIN_INTERVAL_MS = 1000;
/** Slack for the publisher's timer: a gateway sampling every second must never be held back. */
const SAMPLE_TIME_SLACK_MS = 100;

const KIND_RANK: Record<CallChangeKind, number> = { updated: 0, answered: 1, started: 2 };

/**
 * Turns the store's changes into batched broadcasts on the live namespace. One message per
 * flush goes to every dashboard (socket.io encodes a broadcast once), so the cost grows with
 * the rate of changes, not with calls times dashboards times changes.
 */
@Injectable()
export class LiveBroadcaster implements LiveChangeListener, BeforeApplicationShutdown {
  private namespace?: Namespace;
  private readonly changed = new Map<string, { kind: CallChangeKind; call: LiveCall }>();
  private readonly ended: EndedCall[] = [];
  private readonly pendingHealth = new Map<string, StreamHealthUpdate>();
  /** Per stream: when its last update went out, and the sample time of that update. */
  private readonly healthSent = new Map<string, { atMs: number; sampledMs: number }>();
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe?: () => void;
  private readonly messages;

  constructor(
    private readonly store: LiveCallsStore,
    metrics: MetricsRegistry,
  ) {
    this.messages = metrics.counter({
      name: 'dashboard_live_broadcasts_total',
      help: 'Batched messages broadcast to the dashboards, by event',
      labelNames: ['event'],
    });
  }

  attach(namespace: Namespace): void {
    this.namespace = namespace;
    this.unsubscribe = this.store.subscribe(this);
    this.timers = [
      setInterval(() => this.flushCalls(), CALLS_FLUSH_MS),
      setInterval(() => this.flushHealth(), HEALTH_FLUSH_MS),
    ];
  }

  callChanged(kind: CallChangeKind, call: LiveCall): void {
    const pending = this.changed.get(call.callId);
    if (!pending || KIND_RANK[kind] > KIND_RANK[pending.kind]) {
      this.changed.set(call.callId, { kind, call });
    }
  }

  callEnded(ended: EndedCall): void {
    this.changed.delete(ended.callId);
    for (const track of ['caller', 'agent', 'mixed']) {
      const key = `${ended.callId}.${track}`;
      this.pendingHealth.delete(key);
      this.healthSent.delete(key);
    }
    // Sent even for a call that started within this flush: a snapshot may have shown it.
    this.ended.push(ended);
  }

  streamChanged(update: StreamHealthUpdate): void {
    this.pendingHealth.set(`${update.callId}.${update.track}`, update);
  }

  flushCalls(): void {
    if (!this.namespace || (this.changed.size === 0 && this.ended.length === 0)) return;
    const message: LiveCallsMessage = {
      at: new Date().toISOString(),
      started: [],
      answered: [],
      updated: [],
      ended: this.ended.splice(0),
    };
    for (const { kind, call } of this.changed.values()) message[kind].push(call);
    this.changed.clear();
    this.namespace.emit(LIVE_SERVER_EVENTS.calls, message);
    this.messages.inc({ event: LIVE_SERVER_EVENTS.calls });
  }

  /**
   * Sends the pending samples that are due. The throttle counts in sample time, not send time:
   * a send-time rule would hold each once-a-second sample back a little more every second (the
   * flush never lands exactly a second after the last one) until it lagged by a full second.
   * A stream sampled faster is thinned to one sample per second; one whose samples stopped
   * gets its last one within a second of wall time.
   */
  flushHealth(nowMs = Date.now()): void {
    if (!this.namespace || this.pendingHealth.size === 0) return;
    const streams: StreamHealthUpdate[] = [];
    for (const [key, update] of this.pendingHealth) {
      const sampledMs = update.sampledAt ? Date.parse(update.sampledAt) : nowMs;
      const sent = this.healthSent.get(key);
      const due =
        !sent ||
        sampledMs - sent.sampledMs >= HEALTH_MIN_INTERVAL_MS - SAMPLE_TIME_SLACK_MS ||
        sampledMs < sent.sampledMs ||
        nowMs - sent.atMs >= HEALTH_MIN_INTERVAL_MS;
      if (!due) continue;
      streams.push(update);
      this.healthSent.set(key, { atMs: nowMs, sampledMs });
      this.pendingHealth.delete(key);
    }
    if (streams.length === 0) return;
    const message: LiveHealthMessage = { at: new Date(nowMs).toISOString(), streams };
    this.namespace.emit(LIVE_SERVER_EVENTS.health, message);
    this.messages.inc({ event: LIVE_SERVER_EVENTS.health });
  }

  beforeApplicationShutdown(): void {
    this.timers.forEach(clearInterval);
    this.unsubscribe?.();
  }
}
