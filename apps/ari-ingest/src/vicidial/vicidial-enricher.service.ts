import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { VicidialMetadata } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import { vicidialDataSource } from '@asb/vicidial-db';
import type { DataSource } from 'typeorm';
import type { CallIdentity } from '../calls/call-registry';
import { CallTracker } from '../calls/call-tracker.service';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { CallEventFactory } from '../events/call-event-factory';
import { CallEventSink } from '../events/call-event-sink';
import { TapPolicy } from '../policy/tap-policy';
import { outcomeKey, VicidialDirectory, VicidialQueryTimeout } from './vicidial-directory';

/** A live call seen with a call code: what is needed to follow it past its end. */
interface FollowedCall {
  call: CallIdentity;
  vicidial?: VicidialMetadata;
  logUniqueid?: string;
  inbound: boolean;
}

/** A call that ended, whose outcome in VICIdial's log is looked for. */
interface AwaitingOutcome {
  call: CallIdentity;
  vicidial: VicidialMetadata;
  logUniqueid: string;
  inbound: boolean;
  endedAt: number;
  nextCheckAt: number;
  checks: number;
  /** Status and term reason last published. */
  publishedKey?: string;
}

/** After the end: look at once, then less and less often (agents dispose of calls at once or late). */
const OUTCOME_CHECK_DELAYS_MS = [1000, 5000, 15_000, 30_000, 60_000, 120_000, 300_000];

/**
 * Fills in each live call's VICIdial details from VICIdial's database (campaign, in-group, list,
 * agent) and, after the call, its status and term reason from VICIdial's log. It polls: every
 * VICIDIAL_DB_POLL_INTERVAL_MS it looks up all live calls with a call code in a handful of
 * queries, never one per call, and never while the previous round is still running. The bridge
 * works as before when the database is not configured, slow or gone: only the details are late.
 */
@Injectable()
export class VicidialEnricher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VicidialEnricher.name);
  private readonly events = new CallEventFactory();
  private readonly metrics;
  private timer?: NodeJS.Timeout;
  private db?: DataSource;
  private directory?: VicidialDirectory;
  private round?: Promise<void>;
  private failing = false;
  /** Live calls seen with a call code, by callId. */
  private readonly live = new Map<string, FollowedCall>();
  private readonly awaiting = new Map<string, AwaitingOutcome>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly tracker: CallTracker,
    private readonly sink: CallEventSink,
    private readonly policy: TapPolicy,
    metrics: MetricsRegistry,
  ) {
    this.metrics = {
      queries: metrics.counter({
        name: 'ari_ingest_vicidial_queries_total',
        help: "Queries to VICIdial's database, by query and outcome (ok, error, timeout)",
        labelNames: ['query', 'outcome'],
      }),
      querySeconds: metrics.histogram({
        name: 'ari_ingest_vicidial_query_seconds',
        help: "Time of each query to VICIdial's database",
        labelNames: ['query'],
        buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      }),
      up: metrics.gauge({
        name: 'ari_ingest_vicidial_database_up',
        help: "1 when the last round of reads from VICIdial's database succeeded",
      }),
      roundsSkipped: metrics.counter({
        name: 'ari_ingest_vicidial_rounds_skipped_total',
        help: 'Rounds not started because the previous one was still running',
      }),
      awaiting: metrics.gauge({
        name: 'ari_ingest_vicidial_calls_awaiting_outcome',
        help: "Ended calls whose status in VICIdial's log is still looked for",
      }),
    };
  }

  onApplicationBootstrap(): void {
    if (!this.config.VICIDIAL_DB_URL) return;
    this.timer = setInterval(() => {
      if (this.round) {
        this.metrics.roundsSkipped.inc();
        return;
      }
      this.round = this.runRound().finally(() => (this.round = undefined));
    }, this.config.VICIDIAL_DB_POLL_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.round;
    await this.closeDatabase();
  }

  /** One round: live calls, the agents' phones, then the outcomes due. Exposed for tests. */
  async runRound(): Promise<void> {
    try {
      const directory = await this.connect();
      this.policy.useAgentPhones(await directory.agentPhones());
      await this.enrichLiveCalls(directory);
      await this.publishOutcomes(directory);
      this.metrics.up.set(1);
      if (this.failing) this.logger.log("VICIdial's database answers again");
      this.failing = false;
    } catch (error) {
      this.metrics.up.set(0);
      if (!this.failing) {
        this.logger.warn(`VICIdial's database cannot be read: ${(error as Error).message}`);
      }
      this.failing = true;
      // A query left waiting may hold its connection for as long as TCP takes to give up.
      if (error instanceof VicidialQueryTimeout || !this.db?.isInitialized)
        void this.closeDatabase();
    }
  }

  private async enrichLiveCalls(directory: VicidialDirectory): Promise<void> {
    const calls = [...this.tracker.allCalls()].filter(
      (call) => call.phase !== 'ended' && call.vicidial?.callCode,
    );
    const seen = new Set(calls.map((call) => call.callId));
    const now = performance.now();
    for (const [callId, known] of this.live) {
      if (seen.has(callId)) continue;
      this.live.delete(callId);
      if (!known.logUniqueid || !known.vicidial) continue;
      this.awaiting.set(callId, {
        call: known.call,
        vicidial: known.vicidial,
        logUniqueid: known.logUniqueid,
        inbound: known.inbound,
        endedAt: now,
        nextCheckAt: now + OUTCOME_CHECK_DELAYS_MS[0],
        checks: 0,
      });
    }
    const facts = await directory.liveCalls([
      ...new Set(calls.map((call) => call.vicidial?.callCode as string)),
    ]);
    for (const call of calls) {
      const known: FollowedCall = this.live.get(call.callId) ?? { call, inbound: false };
      const found = facts.get(call.vicidial?.callCode as string);
      if (found) {
        this.tracker.enrich(call, found.details);
        known.logUniqueid = found.logUniqueid ?? known.logUniqueid;
        known.inbound = found.inbound;
      }
      known.vicidial = call.vicidial;
      this.live.set(call.callId, known);
    }
  }

  private async publishOutcomes(directory: VicidialDirectory): Promise<void> {
    const now = performance.now();
    const due = [...this.awaiting.values()].filter((entry) => entry.nextCheckAt <= now);
    if (due.length > 0) {
      const outcomes = await directory.outcomes(
        due.filter((entry) => !entry.inbound).map((entry) => entry.logUniqueid),
        due.filter((entry) => entry.inbound).map((entry) => entry.logUniqueid),
      );
      for (const entry of due) {
        const outcome = outcomes.get(outcomeKey(entry.logUniqueid, entry.vicidial.leadId));
        if (outcome) {
          const key = `${outcome.status}|${outcome.termReason ?? ''}`;
          if (key !== entry.publishedKey) {
            entry.publishedKey = key;
            const vicidial: VicidialMetadata = {
              ...entry.vicidial,
              status: outcome.status,
              ...(outcome.termReason ? { termReason: outcome.termReason } : {}),
              ...(outcome.agent ? { agent: outcome.agent } : {}),
            };
            await this.sink.emit(this.events.disposition(entry.call, vicidial));
          }
        }
        entry.checks += 1;
        entry.nextCheckAt =
          entry.endedAt + (OUTCOME_CHECK_DELAYS_MS[entry.checks] ?? Number.POSITIVE_INFINITY);
      }
    }
    for (const [callId, entry] of this.awaiting) {
      if (now - entry.endedAt > this.config.VICIDIAL_DISPOSITION_WAIT_MS)
        this.awaiting.delete(callId);
    }
    this.metrics.awaiting.set(this.awaiting.size);
  }

  private async connect(): Promise<VicidialDirectory> {
    if (this.directory && this.db?.isInitialized) return this.directory;
    const db = vicidialDataSource({
      url: this.config.VICIDIAL_DB_URL as string,
      connections: this.config.VICIDIAL_DB_CONNECTIONS,
      connectTimeoutMs: this.config.VICIDIAL_DB_QUERY_TIMEOUT_MS,
    });
    this.db = db;
    await db.initialize();
    this.directory = new VicidialDirectory(
      db,
      this.config.VICIDIAL_DB_QUERY_TIMEOUT_MS,
      (query, outcome, seconds) => {
        this.metrics.queries.inc({ query, outcome });
        this.metrics.querySeconds.observe({ query }, seconds);
      },
    );
    return this.directory;
  }

  private async closeDatabase(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    this.directory = undefined;
    if (db?.isInitialized) await db.destroy().catch(() => undefined);
  }
}
