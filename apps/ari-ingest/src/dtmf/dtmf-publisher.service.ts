import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { MetricsRegistry } from '@asb/observability';
import { ariEventTime } from '../ari/ari-event-time.util';
import type { AriEvent } from '../ari/ari-model';
import type { AriSession } from '../ari/ari-session';
import { CallTracker } from '../calls/call-tracker.service';
import type { TrackedCall } from '../calls/tracked-call';
import { AriIngestConfig, dtmfModeOf } from '../config/ari-ingest.config';
import { CallEventFactory } from '../events/call-event-factory';
import { CallEventSink } from '../events/call-event-sink';

/**
 * Turns the keys pressed on a followed call's channel (the customer's) into `dtmf` events, as
 * the call's campaign or the global setting allows: none, masked (a key was pressed, not which)
 * or clear. A key is logged only where it is in the clear.
 */
@Injectable()
export class DtmfPublisher {
  private readonly logger = new Logger(DtmfPublisher.name);
  private readonly events = new CallEventFactory();
  /** Presses seen on each call so far, for their index; an entry goes with its call. */
  private readonly presses = new WeakMap<TrackedCall, number>();
  private readonly counted;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly tracker: CallTracker,
    private readonly sink: CallEventSink,
    metrics: MetricsRegistry,
  ) {
    this.counted = metrics.counter({
      name: 'ari_ingest_dtmf_presses_total',
      help: 'Keys pressed on followed calls, by what they became (none, masked, clear)',
      labelNames: ['server', 'mode'],
    });
  }

  /** A ChannelDtmfReceived that readAriEvent found well formed; ignored unless on a followed call. */
  pressed(session: AriSession, event: AriEvent): void {
    const { channel, digit, duration_ms: durationMs } = event;
    if (!channel || digit === undefined || durationMs === undefined) return;
    const call = this.tracker.callsOf(session.server).get(channel.id);
    if (!call) return;
    const index = (this.presses.get(call) ?? 0) + 1;
    this.presses.set(call, index);
    const mode = dtmfModeOf(this.config, call.vicidial?.campaign);
    this.counted.inc({ server: session.server, mode });
    if (mode === 'none') return;
    const press = {
      digit: mode === 'clear' ? digit : undefined,
      durationMs,
      index,
      ariTimestamp: event.timestamp ?? '',
    };
    void this.sink.emit(this.events.dtmf(call, press, ariEventTime(event.timestamp)));
    this.logger.debug(
      mode === 'clear'
        ? `key ${digit} pressed on ${call.callId} (press ${index})`
        : `a key pressed on ${call.callId} (press ${index}, masked)`,
    );
  }
}
