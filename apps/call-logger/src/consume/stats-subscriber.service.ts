import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, Subscription } from 'nats';
import {
  ContractViolation,
  parseStatsSubject,
  STATS_WILDCARD,
  STREAM_STATS_MAX_BYTES,
  StreamStats,
  streamStatsSchema,
} from '@asb/contracts';
import { DatabaseConnector } from '@asb/database';
import { NatsClient, subscribeJson } from '@asb/nats';
import { DeadLetterService } from '../dead-letters/dead-letter.service';
import { StatsWriter } from '../records/stats-writer.service';

/** Replicas of call-logger share the samples instead of each writing all of them. */
export const STATS_QUEUE_GROUP = 'call-logger';

/** Subscribes to stats.v1.> (core NATS) and hands valid samples to the stats writer. */
@Injectable()
export class StatsSubscriber implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;
  private stopped = false;

  constructor(
    private readonly nats: NatsClient,
    private readonly database: DatabaseConnector,
    private readonly writer: StatsWriter,
    private readonly deadLetters: DeadLetterService,
  ) {}

  onApplicationBootstrap(): void {
    // Samples are live data with no replay: taking them before the schema exists would only drop them.
    void Promise.all([this.nats.connected, this.database.ready]).then(([nc]) => {
      if (this.stopped) return;
      this.subscription = subscribeJson(nc, {
        subject: STATS_WILDCARD,
        queue: STATS_QUEUE_GROUP,
        schema: streamStatsSchema,
        maxBytes: STREAM_STATS_MAX_BYTES,
        handle: (sample, message) => this.receive(sample, message),
        onInvalid: (message, violation) => this.park(message, violation),
      });
    });
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
  }

  private receive(sample: StreamStats, message: Msg): void {
    let subject;
    try {
      subject = parseStatsSubject(message.subject);
    } catch (violation) {
      return this.park(message, violation as ContractViolation);
    }
    if (subject.callId !== sample.callId || subject.track !== sample.track) {
      return this.park(
        message,
        new ContractViolation(
          'subject_payload_mismatch',
          `subject says ${subject.callId}/${subject.track}, body says ${sample.callId}/${sample.track}`,
        ),
      );
    }
    this.writer.add(sample);
  }

  private park(message: Msg, violation: ContractViolation): void {
    this.deadLetters.parkStats({
      source: 'stats',
      subject: message.subject,
      reason: violation.reason,
      error: violation.message,
      payload: message.data,
    });
  }
}
