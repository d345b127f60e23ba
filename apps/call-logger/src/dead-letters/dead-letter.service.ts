import { Injectable, Logger } from '@nestjs/common';
import type { JsMsg } from 'nats';
import { ContractViolation } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { DeadLetterRow, DeadLetterSource } from './dead-letter-row';
import { DeadLettersRepository } from './dead-letters.repository';
import { UnstorableText } from './unstorable-text.error';

const LOG_INTERVAL_MS = 10_000;
/**
 * Stats dead letters parked per second, at most: a gateway gone wrong sends thousands of bad
 * samples a second, and a handful of them tell the story; the rest are counted.
 */
const STATS_PARKED_PER_SECOND = 5;

/**
 * Counts and logs every message refused at the edge. Call event dead letters are parked in the
 * same transaction as their batch (CallEventWriter); stats ones, which nothing redelivers, are
 * parked here, best effort.
 */
@Injectable()
export class DeadLetterService {
  private readonly logger = new Logger(DeadLetterService.name);
  private readonly refused;
  private readonly unparked;
  private lastLogAt = -Infinity;
  private suppressedLogs = 0;
  private windowStartedAt = 0;
  private parkedInWindow = 0;

  constructor(
    private readonly repository: DeadLettersRepository,
    metrics: MetricsRegistry,
  ) {
    this.refused = metrics.counter<'source' | 'reason'>({
      name: 'call_logger_messages_refused_total',
      help: 'Messages refused as malformed or invalid, by source and reason',
      labelNames: ['source', 'reason'],
    });
    this.unparked = metrics.counter({
      name: 'call_logger_dead_letters_unparked_total',
      help: 'Refused stats samples counted but not parked (rate limit or database unavailable)',
    });
  }

  /** Counts and logs a refused message (logs are rate-limited, counts are not). */
  refuse(source: DeadLetterSource, subject: string, reason: string, detail: string): void {
    this.refused.inc({ source, reason });
    const now = performance.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) {
      this.suppressedLogs += 1;
      return;
    }
    this.lastLogAt = now;
    const suppressed = this.suppressedLogs
      ? ` (${this.suppressedLogs} more since the last log)`
      : '';
    this.suppressedLogs = 0;
    this.logger.warn(`refused ${source} message on ${subject}: ${reason}: ${detail}${suppressed}`);
  }

  /**
   * Counts and logs a JetStream message that could not be decoded (or stored as it is), and
   * gives its dead letter, which its consumer parks in the same transaction as its batch.
   */
  refuseDelivery(source: DeadLetterSource, message: JsMsg, error: unknown): DeadLetterRow {
    const reason =
      error instanceof ContractViolation || error instanceof UnstorableText
        ? error.reason
        : 'undecodable';
    const detail = (error as Error).message;
    this.refuse(source, message.subject, reason, detail);
    return {
      source,
      subject: message.subject,
      reason,
      error: detail,
      payload: message.data,
      streamSequence: message.seq,
      deliveryCount: message.info.redeliveryCount,
    };
  }

  /** Parks a refused stats sample, unless too many were parked this second. */
  parkStats(row: DeadLetterRow): void {
    this.refuse(row.source, row.subject, row.reason, row.error);
    const now = Date.now();
    if (now - this.windowStartedAt >= 1000) {
      this.windowStartedAt = now;
      this.parkedInWindow = 0;
    }
    if (this.parkedInWindow >= STATS_PARKED_PER_SECOND) {
      this.unparked.inc();
      return;
    }
    this.parkedInWindow += 1;
    this.repository.park([row]).catch((error: unknown) => {
      this.unparked.inc();
      this.logger.warn(`cannot park a refused stats sample: ${(error as Error).message}`);
    });
  }
}
