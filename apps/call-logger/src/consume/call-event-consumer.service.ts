import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { JsMsg } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { CALL_EVENTS_STREAM, CALL_EVENTS_WILDCARD, decodeCallEvent } from '@asb/contracts';
import { DatabaseConnector } from '@asb/database';
import { CallEventsStreamProvisioner, NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { DeadLetterService } from '../dead-letters/dead-letter.service';
import { hasNulCharacter } from '../dead-letters/has-nul-character.util';
import { UnstorableText } from '../dead-letters/unstorable-text.error';
import { CallEventWriter, IncomingCallEvent } from '../records/call-event-writer.service';
import { RecordingService } from '../recordings/recording.service';
import { DurableBatchConsumer, redeliveriesCounter } from './durable-batch-consumer';

/**
 * Reads call.v1.> from call-logger's durable JetStream consumer (once NATS, the stream and the
 * migrated database are there) and hands the events to the writer in batches
 * (DurableBatchConsumer); recordings start and stop from the events as they are read.
 */
@Injectable()
export class CallEventConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: DurableBatchConsumer<IncomingCallEvent>;
  private readonly replaysSkipped;

  constructor(
    @Inject(APP_CONFIG) config: CallLoggerConfig,
    nats: NatsClient,
    stream: CallEventsStreamProvisioner,
    database: DatabaseConnector,
    writer: CallEventWriter,
    private readonly recordings: RecordingService,
    private readonly deadLetters: DeadLetterService,
    metrics: MetricsRegistry,
  ) {
    this.replaysSkipped = metrics.counter({
      name: 'call_logger_replayed_events_skipped_total',
      help: 'Call events of replayed calls (the replay tool), acknowledged and never recorded',
    });
    this.consumer = new DurableBatchConsumer<IncomingCallEvent>(
      nats,
      {
        what: 'call events',
        stream: CALL_EVENTS_STREAM,
        durable: config.CALL_LOGGER_CONSUMER,
        filterSubject: CALL_EVENTS_WILDCARD,
        maxAckPending: config.CALL_LOGGER_MAX_ACK_PENDING,
        batchSize: config.CALL_LOGGER_BATCH_SIZE,
        ready: Promise.all([nats.connected, stream.ready, database.ready]),
        skip: (message) => this.skip(message),
        decode: (message) => this.decode(message),
        write: (items, options) => writer.write(items, options),
      },
      redeliveriesCounter(metrics),
    );
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.consumer.close();
  }

  private skip(message: JsMsg): boolean {
    if (!isReplayedCall(message)) return false;
    this.replaysSkipped.inc();
    return true;
  }

  private decode(message: JsMsg): IncomingCallEvent {
    try {
      const event = decodeCallEvent(message.subject, message.data);
      if (hasNulCharacter(event)) throw new UnstorableText();
      this.recordings.observe(event);
      return { kind: 'event', event, streamSequence: message.seq };
    } catch (error) {
      return {
        kind: 'invalid',
        deadLetter: this.deadLetters.refuseDelivery('call_event', message, error),
      };
    }
  }
}

const REPLAY_FIELD = Buffer.from('"replay":{');

/**
 * A replayed call's event (a copy of a recorded call): never recorded again. The byte search
 * spares decoding every event twice; a text field that happens to hold the same bytes is decoded
 * and judged by its real replay mark.
 */
function isReplayedCall(message: JsMsg): boolean {
  const data = message.data;
  if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(REPLAY_FIELD) < 0) {
    return false;
  }
  try {
    return decodeCallEvent(message.subject, data).replay !== undefined;
  } catch {
    return false;
  }
}
