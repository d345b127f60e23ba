import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { CallEventsSource } from '../calls/call-events.source';
import { ClaimStore } from '../claims/claim-store';
import { EgressEventSink } from '../events/egress-event.sink';
import { InboundStreamsGateway } from '../inbound/inbound-streams.gateway';
import { OutboundRouter } from '../routing/outbound-router.service';

/** Time left for the egress events of a graceful stop to reach JetStream. */
const EVENTS_FLUSH_MS = 3000;

/**
 * Start and stop in the order the parts depend on each other. Start: the claims bucket, then the
 * call events (which start streams). Stop, before NATS is drained: no more call events, every
 * stream sends its stop and closes, the claims are let go (other replicas take the streams over at
 * once), then the egress_stopped events are flushed.
 */
@Injectable()
export class EgressLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EgressLifecycle.name);

  constructor(
    private readonly claims: ClaimStore,
    private readonly source: CallEventsSource,
    private readonly router: OutboundRouter,
    private readonly inbound: InboundStreamsGateway,
    private readonly events: EgressEventSink,
  ) {}

  onApplicationBootstrap(): void {
    this.claims.open().then(
      () => this.source.start(),
      () => undefined, // closed before NATS was ever reached
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.source.stop();
    const streams = this.router.streams.length + this.inbound.connectedClients;
    await Promise.all([this.router.stopAll(), this.inbound.stopAll()]);
    await this.claims.close();
    await this.events.flush(EVENTS_FLUSH_MS);
    this.logger.log(`stopped ${streams} streams`);
  }
}
