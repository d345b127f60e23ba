import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { JsMsg } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { decodeTranscriptSegment, TRANSCRIPT_WILDCARD, TRANSCRIPTS_STREAM } from '@asb/contracts';
import { DatabaseConnector } from '@asb/database';
import { NatsClient, provisionStream } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { DurableBatchConsumer, redeliveriesCounter } from '../consume/durable-batch-consumer';
import { DeadLetterService } from '../dead-letters/dead-letter.service';
import { hasNulCharacter } from '../dead-letters/has-nul-character.util';
import { UnstorableText } from '../dead-letters/unstorable-text.error';
import { transcriptsStreamConfig } from './transcripts-stream';
import { IncomingTranscript, TranscriptWriter } from './transcript-writer.service';

/**
 * Stores the final transcript segments workers publish: provisions the TRANSCRIPTS stream and
 * reads it through a durable consumer of its own (named like the call events' one), so finals
 * published while call-logger was away are stored when it is back. Invalid messages are refused,
 * counted and parked as dead letters.
 */
@Injectable()
export class TranscriptConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: DurableBatchConsumer<IncomingTranscript>;

  constructor(
    @Inject(APP_CONFIG) config: CallLoggerConfig,
    nats: NatsClient,
    database: DatabaseConnector,
    writer: TranscriptWriter,
    private readonly deadLetters: DeadLetterService,
    metrics: MetricsRegistry,
  ) {
    this.consumer = new DurableBatchConsumer<IncomingTranscript>(
      nats,
      {
        what: 'transcript segments',
        stream: TRANSCRIPTS_STREAM,
        durable: config.CALL_LOGGER_CONSUMER,
        filterSubject: TRANSCRIPT_WILDCARD,
        maxAckPending: config.CALL_LOGGER_MAX_ACK_PENDING,
        batchSize: config.CALL_LOGGER_BATCH_SIZE,
        ready: Promise.all([nats.connected, database.ready]),
        prepare: (jsm) => provisionStream(jsm, transcriptsStreamConfig(config)),
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

  private decode(message: JsMsg): IncomingTranscript {
    try {
      const segment = decodeTranscriptSegment(message.subject, message.data);
      if (hasNulCharacter(segment)) throw new UnstorableText();
      return { kind: segment.kind, segment, streamSequence: message.seq };
    } catch (error) {
      return {
        kind: 'invalid',
        deadLetter: this.deadLetters.refuseDelivery('transcript', message, error),
      };
    }
  }
}
