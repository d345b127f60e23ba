import { Injectable } from '@nestjs/common';
import type { CallEvent } from '@asb/contracts';
import type { CallChange, CallsListener, LiveCall } from './live-call';

/** A call with no tap and no event for this long is forgotten (its `ended` was never seen). */
export const FORGET_UNTAPPED_AFTER_MS = 10 * 60 * 1000;
/** Any call with no event for this long is forgotten, unless told otherwise. */
export const DEFAULT_FORGET_AFTER_MS = 4 * 3600 * 1000;

/**
 * The calls in progress, built from their lifecycle events: identity and VICIdial metadata from
 * started / answered / updated, the tapped tracks from tap_started / tap_stopped / tap_failed,
 * key presses from dtmf, the end from ended. Listeners hear of changes only once the registry has
 * caught up with the event stream (`markCaughtUp`): a replay at start must not start streams for
 * calls that turn out to have ended further on in the replay.
 */
@Injectable()
export class LiveCallsRegistry {
  private readonly calls = new Map<string, LiveCall>();
  private readonly listeners: CallsListener[] = [];
  private caughtUp = false;

  /**
   * `forgetAfterMs`: a call with no event for this long is forgotten even while tapped (the
   * longest call expected; stream-egress uses its replay window, beyond which a restarted
   * replica would not know the call either).
   */
  constructor(
    private readonly forgetAfterMs = DEFAULT_FORGET_AFTER_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  get size(): number {
    return this.calls.size;
  }

  listen(listener: CallsListener): void {
    this.listeners.push(listener);
    if (this.caughtUp) listener.resync(this.live());
  }

  get(callId: string): LiveCall | undefined {
    return this.calls.get(callId);
  }

  /** Calls in progress, oldest first. */
  live(): LiveCall[] {
    return [...this.calls.values()].filter((call) => !call.ended);
  }

  markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    const calls = this.live();
    for (const listener of this.listeners) listener.resync(calls);
  }

  apply(event: CallEvent): void {
    if (event.event === 'egress_started' || event.event === 'egress_stopped') return;
    let call = this.calls.get(event.callId);
    if (!call) {
      if (
        event.event === 'ended' ||
        event.event === 'tap_stopped' ||
        event.event === 'tap_failed' ||
        event.event === 'disposition' ||
        event.event === 'dtmf'
      ) {
        return;
      }
      call = {
        callId: event.callId,
        server: event.server,
        asteriskId: event.asteriskId,
        channelId: event.channelId,
        channelName: event.channelName,
        replay: event.replay,
        direction: 'unknown',
        taps: new Map(),
        keyPresses: 0,
        firstSeenAt: this.now(),
        lastEventAt: this.now(),
        ended: false,
      };
      this.calls.set(call.callId, call);
    }
    call.lastEventAt = this.now();
    switch (event.event) {
      case 'started':
      case 'answered':
      case 'updated': {
        if (event.event === 'started') call.direction = event.direction;
        call.asteriskId = event.asteriskId ?? call.asteriskId;
        call.channelName = event.channelName;
        call.callerNumber = event.callerNumber ?? call.callerNumber;
        call.callerName = event.callerName ?? call.callerName;
        call.calleeNumber = event.calleeNumber ?? call.calleeNumber;
        if (event.vicidial) call.vicidial = { ...call.vicidial, ...event.vicidial };
        this.notify(call, 'metadata');
        return;
      }
      case 'disposition':
        call.vicidial = { ...call.vicidial, ...event.vicidial };
        this.notify(call, 'metadata');
        return;
      case 'tap_started':
        call.taps.set(event.track, { sampleRate: event.sampleRate, codec: event.codec });
        this.notify(call, 'tapped');
        return;
      case 'tap_stopped':
      case 'tap_failed':
        if (call.taps.delete(event.track)) this.notify(call, 'untapped');
        return;
      case 'dtmf':
        // Only presses heard live go on to streams: a replayed one at start is long past.
        if (!this.caughtUp) return;
        call.keyPresses += 1;
        call.lastKeyPress = {
          track: event.track,
          digit: event.digit,
          durationMs: event.durationMs,
        };
        this.notify(call, 'keypress');
        return;
      case 'ended':
        this.end(call);
        return;
    }
  }

  /**
   * Forgets calls whose end was never seen: no tap and no event for FORGET_UNTAPPED_AFTER_MS, or
   * no event at all for `forgetAfterMs`. Their streams stop as if the call had ended.
   */
  sweep(): number {
    const untappedCutoff = this.now() - FORGET_UNTAPPED_AFTER_MS;
    const cutoff = this.now() - this.forgetAfterMs;
    let forgotten = 0;
    for (const call of [...this.calls.values()]) {
      const idle =
        call.taps.size === 0 ? call.lastEventAt < untappedCutoff : call.lastEventAt < cutoff;
      if (idle) {
        this.end(call);
        forgotten += 1;
      }
    }
    return forgotten;
  }

  private end(call: LiveCall): void {
    call.ended = true;
    call.taps.clear();
    this.calls.delete(call.callId);
    this.notify(call, 'ended');
  }

  private notify(call: LiveCall, change: CallChange): void {
    if (!this.caughtUp) return;
    for (const listener of this.listeners) listener.callChanged(call, change);
  }
}
