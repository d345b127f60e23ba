import { Injectable, Logger } from '@nestjs/common';
import { MetricsRegistry } from '@asb/observability';
import type { AriSession } from '../ari/ari-session';
import { AriRequestFailed } from '../ari/ari-request-failed.error';
import { CallRegistry } from '../calls/call-registry';
import { CallTracker } from '../calls/call-tracker.service';
import { TapPolicy } from '../policy/tap-policy';

export interface ReconcileReport {
  callsFound: number;
  callsEnded: number;
  orphanChannels: number;
  orphanBridges: number;
}

/**
 * Makes what ari-ingest believes match what an Asterisk server has, after every (re)connect and
 * periodically: Asterisk replays nothing after a dropped WebSocket, and an ari-ingest that
 * restarted remembers nothing. Calls it missed are taken up (and tapped if answered), calls that
 * vanished meanwhile are ended, answered calls missing a tap are tapped, and channels and bridges
 * of ours that no tap owns are deleted.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger(Reconciler.name);
  private readonly running = new Map<string, Promise<ReconcileReport>>();
  private readonly actions;

  constructor(
    private readonly tracker: CallTracker,
    private readonly registry: CallRegistry,
    private readonly policy: TapPolicy,
    metrics: MetricsRegistry,
  ) {
    this.actions = metrics.counter({
      name: 'ari_ingest_reconcile_actions_total',
      help: 'What reconciliation changed, by action',
      labelNames: ['server', 'action'],
    });
  }

  /** One reconciliation per server at a time; a request during one waits for it. */
  reconcile(session: AriSession): Promise<ReconcileReport> {
    const current = this.running.get(session.server);
    if (current) return current;
    const run = this.run(session).finally(() => this.running.delete(session.server));
    this.running.set(session.server, run);
    return run;
  }

  private async run(session: AriSession): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      callsFound: 0,
      callsEnded: 0,
      orphanChannels: 0,
      orphanBridges: 0,
    };
    const [channels, bridges] = await Promise.all([
      session.rest.listChannels(),
      session.rest.listBridges(),
    ]);
    const live = new Map(channels.map((channel) => [channel.id, channel]));
    const calls = this.tracker.callsOf(session.server);

    for (const call of [...calls.values()]) {
      if (live.has(call.channelId)) continue;
      report.callsEnded += 1;
      void this.tracker.end(session, call, 0, 'Unknown', true);
    }

    const remembered = await this.registry.remembered(session.server).catch((error: Error) => {
      this.logger.warn(`could not read the calls of earlier instances: ${error.message}`);
      return [];
    });
    for (const call of remembered) {
      if (live.has(call.channelId) || calls.has(call.channelId)) continue;
      report.callsEnded += 1;
      void this.tracker.endVanished(call);
    }

    for (const channel of channels) {
      if (calls.has(channel.id) || !this.policy.isCall(channel)) continue;
      report.callsFound += 1;
      this.tracker.begin(session, channel);
    }

    // Our channels still present are in Stasis (ours only live there): StasisStart is not replayed.
    session.arrivals.reset(channels.filter((c) => this.policy.isOwnId(c.id)).map((c) => c.id));

    const owned = new Set<string>();
    for (const call of calls.values()) {
      for (const handle of call.taps.values()) {
        if (handle.stopped) continue;
        if (handle.running && !(live.has(handle.ids.snoop) && live.has(handle.ids.externalMedia))) {
          // Something deleted our channels while the call goes on: take the rest down, tap again.
          this.actions.inc({ server: session.server, action: 'retap' });
          void this.tracker
            .stopTaps(session, call, 'orphaned')
            .then(() => this.tracker.tapAll(session, call));
          continue;
        }
        owned.add(handle.ids.snoop).add(handle.ids.externalMedia).add(handle.ids.bridge);
      }
      if (call.phase === 'answered') this.tracker.tapAll(session, call);
    }
    for (const call of calls.values()) {
      for (const handle of call.taps.values())
        owned.add(handle.ids.snoop).add(handle.ids.externalMedia).add(handle.ids.bridge);
    }

    const orphans = channels.filter((c) => this.policy.isOwnId(c.id) && !owned.has(c.id));
    const orphanBridges = bridges.filter((b) => this.policy.isOwnId(b.id) && !owned.has(b.id));
    report.orphanChannels = orphans.length;
    report.orphanBridges = orphanBridges.length;
    await Promise.all(orphans.map((c) => this.delete(() => session.rest.hangup(c.id))));
    await Promise.all(
      orphanBridges.map((b) => this.delete(() => session.rest.destroyBridge(b.id))),
    );

    for (const [action, count] of Object.entries(report)) {
      if (count > 0) this.actions.inc({ server: session.server, action }, count);
    }
    if (Object.values(report).some((count) => count > 0)) {
      this.logger.log(
        `reconciled ${session.server}: ${report.callsFound} calls taken up, ${report.callsEnded} ended while away, ` +
          `${report.orphanChannels} orphan channels and ${report.orphanBridges} orphan bridges deleted`,
      );
    }
    return report;
  }

  private async delete(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (!(error instanceof AriRequestFailed && error.notFound)) {
        this.logger.warn(`could not delete an orphan: ${(error as Error).message}`);
      }
    }
  }
}
