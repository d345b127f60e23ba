import { Injectable } from '@nestjs/common';
import { PubAck } from 'nats';
import { CALL_EVENTS_STREAM, CallEvent, encodeCallEvent } from '@asb/contracts';
import { NatsClient } from '../connection/nats-client';

/** Publishes validated call events to JetStream, de-duplicated by eventId. */
@Injectable()
export class CallEventPublisher {
  constructor(private readonly nats: NatsClient) {}

  async publish(event: CallEvent): Promise<PubAck> {
    const { subject, data } = encodeCallEvent(event);
    return this.nats.jetstream().publish(subject, data, {
      msgID: event.eventId,
      expect: { streamName: CALL_EVENTS_STREAM },
    });
  }
}
