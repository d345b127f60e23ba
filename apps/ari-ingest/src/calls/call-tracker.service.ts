import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { callIdFromChannel, TapStopped } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { AriChannel, AriEvent } from '../ari/ari-model';
import type { AriSession } from '../ari/ari-session';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { CallEventFactory } from '../events/call-event-factory';
import { CallEventSink } from '../events/call-event-sink';
import { parseVicidialCallCode } from '../policy/parse-vicidial-call-code.util';
import { TapPolicy } from '../policy/tap-policy';
import { TapOrchestrator } from '../tap/tap-orchestrator.service';
import { CallRegistry, RememberedCall } from './call-registry';
import type { TrackedCall } from './tracked-call';

/** Asterisk's event time (`2026-11-24T15:13:38.921+0000`); undefined when absent or unreadable. */
function eventTime(timestamp: string | undefined): Date | undefined {
  if (!timestamp) return undefined;
  const at = new Date(timestamp);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * Follows the calls of every Asterisk server through their channel events: announces each call,
 * its answer, metadata as it becomes known (the VICIdial call code arrives after the channel is
 * created) and its end, and has the answered ones tapped. Events of one server arrive in order
 * on one WebSocket and are handled without waiting, so the event loop is never held up.
 */
@Injectable()
export class CallTracker {
  private readonly logger = new Logger(CallTracker.name);
  private readonly events = new CallEventFactory();
  private readonly calls = new Map<string, Map<string, TrackedCall>>();
  private readonly metrics;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly policy: TapPolicy,
    private readonly taps: TapOrchestrator,
    private readonly sink: CallEventSink,
    private readonly registry: CallRegistry,
    metrics: MetricsRegistry,
  ) {
    this.metrics = {
      events: metrics.counter({
        name: 'ari_ingest_ari_events_total',
        help: 'ARI events received, by type',
        labelNames: ['server', 'type'],
      }),
      invalid: metrics.counter({
        name: 'ari_ingest_ari_events_invalid_total',
        help: 'ARI events that could not be used, by reason',
        labelNames: ['server', 'reason'],
      }),
      active: metrics.gauge({
        name: 'ari_ingest_calls_active',
        help: 'Calls being followed',
        labelNames: ['server'],
      }),
    };
  }

  callsOf(server: string): Map<string, TrackedCall> {
    let calls = this.calls.get(server);
    if (!calls) {
      calls = new Map();
      this.calls.set(server, calls);
    }
    return calls;
  }

  handle(session: AriSession, event: AriEvent): void {
    this.metrics.events.inc({ server: session.server, type: event.type });
    const channel = event.channel;
    if (!channel) return;
    const at = eventTime(event.timestamp);
    try {
      switch (event.type) {
        case 'ChannelCreated':
          if (this.policy.isCall(channel)) this.begin(session, channel, at);
          break;
        case 'ChannelStateChange':
        case 'ChannelCallerId': {
          const call = this.callsOf(session.server).get(channel.id);
          if (call) this.refresh(session, call, channel, at);
          else if (this.policy.isCall(channel)) this.begin(session, channel, at);
          break;
        }
        case 'ChannelDestroyed': {
          const call = this.callsOf(session.server).get(channel.id);
          if (call)
            void this.end(session, call, event.cause ?? 0, event.cause_txt ?? 'Unknown', false);
          session.arrivals.left(channel.id);
          break;
        }
        case 'StasisStart':
          session.arrivals.arrived(channel.id);
          break;
        case 'StasisEnd':
          session.arrivals.left(channel.id);
          break;
        default:
          break;
      }
    } catch (error) {
      this.invalid(session, 'unusable_event');
      this.logger.warn(`ignored a ${event.type} of ${session.server}: ${(error as Error).message}`);
    }
  }

  invalid(session: AriSession, reason: string): void {
    this.metrics.invalid.inc({ server: session.server, reason });
  }

  /** A call seen for the first time: on its ChannelCreated, or found later by reconciliation. */
  begin(session: AriSession, channel: AriChannel, at?: Date): TrackedCall {
    const state = channel.state;
    const call: TrackedCall = {
      callId: callIdFromChannel(session.server, channel.id),
      server: session.server,
      asteriskId: session.asteriskId,
      channelId: channel.id,
      channelName: channel.name,
      direction: state === 'Ring' ? 'inbound' : state === 'Down' ? 'outbound' : 'unknown',
      phase: 'ringing',
      channelState: state,
      context: channel.dialplan?.context,
      exten: channel.dialplan?.exten,
      metadataKey: '',
      taps: new Map(),
    };
    this.absorb(call, channel);
    this.callsOf(session.server).set(channel.id, call);
    this.metrics.active.set({ server: session.server }, this.callsOf(session.server).size);
    void this.sink.emit(this.events.started(call, at));
    void this.registry.remember(call);
    if (state === 'Up') this.answer(session, call, at);
    return call;
  }

  /** Takes the numbers and the VICIdial call code from the channel; true when they changed. */
  private absorb(call: TrackedCall, channel: AriChannel): boolean {
    call.channelState = channel.state;
    const callerName = channel.caller?.name || undefined;
    call.callerNumber = channel.caller?.number || call.callerNumber;
    call.callerName = callerName ?? call.callerName;
    const exten = channel.dialplan?.exten;
    call.calleeNumber =
      channel.connected?.number ||
      call.calleeNumber ||
      (exten && exten !== 's' ? exten : undefined);
    const code = parseVicidialCallCode(callerName, this.config.VICIDIAL_CALL_CODE_LAYOUT);
    if (code) call.vicidial = { ...call.vicidial, ...code };
    const key = [
      call.callerNumber,
      call.callerName,
      call.calleeNumber,
      call.vicidial?.callCode,
    ].join('|');
    const changed = key !== call.metadataKey;
    call.metadataKey = key;
    return changed;
  }

  private refresh(session: AriSession, call: TrackedCall, channel: AriChannel, at?: Date): void {
    if (call.phase === 'ended') return;
    if (this.absorb(call, channel)) void this.sink.emit(this.events.updated(call, at));
    if (channel.state === 'Up' && call.phase === 'ringing') this.answer(session, call, at);
  }

  private answer(session: AriSession, call: TrackedCall, at?: Date): void {
    call.phase = 'answered';
    void this.sink.emit(this.events.answered(call, at));
    this.tapAll(session, call);
  }

  /** Taps each configured track that has no tap set up or running (policy permitting). */
  tapAll(session: AriSession, call: TrackedCall): void {
    if (call.phase !== 'answered' || !this.policy.shouldTap(call.vicidial?.callType)) return;
    for (const track of this.config.TAP_TRACKS) {
      const existing = call.taps.get(track);
      if (existing && !existing.stopped) continue;
      const handle = this.taps.start(session, call, track);
      call.taps.set(track, handle);
      void handle.ready.then((running) => {
        if (!running && call.taps.get(track) === handle) call.taps.delete(track);
      });
    }
  }

  /** Ends a call: stops its taps, then announces the end. */
  async end(
    session: AriSession,
    call: TrackedCall,
    cause: number,
    causeText: string,
    reconciled: boolean,
    at = new Date(),
  ): Promise<void> {
    if (call.phase === 'ended') return;
    call.phase = 'ended';
    const calls = this.callsOf(session.server);
    calls.delete(call.channelId);
    this.metrics.active.set({ server: session.server }, calls.size);
    await this.stopTaps(session, call, 'call_ended');
    // Stamped with the hangup's own time: taking the taps down first takes a while.
    await this.sink.emit(this.events.ended(call, cause, causeText, reconciled, at));
    await this.registry.forget(call.server, call.channelId);
  }

  /** A call an earlier instance followed and that ended while nobody watched. */
  async endVanished(call: RememberedCall): Promise<void> {
    await this.sink.emit(this.events.ended(call, 0, 'Unknown', true));
    await this.registry.forget(call.server, call.channelId);
  }

  async stopTaps(
    session: AriSession,
    call: TrackedCall,
    reason: TapStopped['reason'],
  ): Promise<void> {
    const handles = [...call.taps.values()];
    call.taps.clear();
    await Promise.all(handles.map((handle) => this.taps.stop(session, call, handle, reason)));
  }

  /** Graceful stop: every tap of the server is taken down; the calls themselves go on. */
  async stopAll(session: AriSession): Promise<void> {
    const calls = [...this.callsOf(session.server).values()];
    await Promise.all(calls.map((call) => this.stopTaps(session, call, 'shutdown')));
  }

  /** Forgets the server's calls without ending them (another instance takes them over). */
  forget(server: string): void {
    this.calls.delete(server);
    this.metrics.active.set({ server }, 0);
  }
}
