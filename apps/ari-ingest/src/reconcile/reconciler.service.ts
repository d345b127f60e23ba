import { Injectable, Logger } from '@nestjs/common';
import { MetricsRegistry } from '@asb/observability';
import type { AriSession } from '../ari/ari-session';
import { AriRequestFailed } from '../ari/ari-request-failed.error';
import { isChannelGone } from '../ari/channel-gone.util';
import { CallRegistry, RememberedTap } from '../calls/call-registry';
import { CallTracker } from '../calls/call-tracker.service';
import type { TrackedCall } from '../calls/tracked-call';
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
 * restarted remembers nothing. Calls it missed are taken up (and tapped if answered), answered
 * calls missing a tap are tapped, and channels and bridges of ours that no tap owns are deleted.
 * It is conservative about ending: a channel list is a snapshot, so a call missing from it is
 * ended only if it was followed before the list was asked for and Asterisk confirms it gone
 * (404 on the channel).
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
    const calls = this.tracker.callsOf(session.server);
    const listRequestedAt = performance.now();
    const listedAt = new Date();
    const trackedBefore = [...calls.values()];
    const [channels, bridges] = await Promise.all([
      session.rest.listChannels(),
      session.rest.listBridges(),
    ]);
    const live = new Map(channels.map((channel) => [channel.id, channel]));

    const missing: TrackedCall[] = [];
    for (const call of trackedBefore) {
      if (live.has(call.channelId)) {
        if (call.lastSeenAt < listedAt) call.lastSeenAt = listedAt;
      } else missing.push(call);
    }
    const remembered = await this.registry.remembered(session.server).catch((error: Error) => {
      this.logger.warn(`could not read the calls of earlier instances: ${error.message}`);
      return [];
    });
    const vanished = remembered.filter(
      (call) => !live.has(call.channelId) && !calls.has(call.channelId),
    );
    const gone = await Promise.all([
      ...missing.map((call) => isChannelGone(session.rest, call.channelId)),
      ...vanished.map((call) => isChannelGone(session.rest, call.channelId)),
    ]);
    missing.forEach((call, i) => {
      if (!gone[i] || call.phase === 'ended') return;
      report.callsEnded += 1;
      this.tracker.end(session, call, 0, 'Unknown', new Date(), { lastSeenAt: call.lastSeenAt });
    });
    vanished.forEach((call, i) => {
      if (!gone[missing.length + i] || calls.has(call.channelId)) return;
      report.callsEnded += 1;
      void this.tracker.endVanished(call);
    });

    // Taps an earlier instance left running are adopted when all their parts are still there.
    const rememberedTaps = new Map(
      remembered.map((call) => [call.channelId, call.runningTaps ?? []]),
    );
    const bridged = new Map(bridges.map((bridge) => [bridge.id, new Set(bridge.channels)]));
    const intact = (tap: RememberedTap) =>
      !!bridged.get(tap.ids.bridge)?.has(tap.ids.snoop) &&
      !!bridged.get(tap.ids.bridge)?.has(tap.ids.externalMedia);
    for (const channel of channels) {
      if (calls.has(channel.id) || !this.policy.isCall(channel)) continue;
      const adoptable = (rememberedTaps.get(channel.id) ?? []).filter(intact);
      if (this.tracker.begin(session, channel, undefined, adoptable)) report.callsFound += 1;
    }

    // Our channels still present are in Stasis (ours only live there): StasisStart is not replayed.
    session.arrivals.resync(
      channels.filter((c) => this.policy.isOwnId(c.id)).map((c) => c.id),
      listRequestedAt,
    );

    for (const call of [...calls.values()]) {
      for (const handle of [...call.taps.values()]) {
        const listCouldShow =
          handle.runningSince !== undefined && handle.runningSince < listRequestedAt;
        if (
          handle.running &&
          listCouldShow &&
          !(live.has(handle.ids.snoop) && live.has(handle.ids.externalMedia))
        ) {
          // Something deleted our channels while the call goes on: take the rest down, tap again.
          this.actions.inc({ server: session.server, action: 'retap' });
          this.tracker.retap(session, call, handle.track, 'orphaned');
        }
      }
      if (call.phase === 'answered') this.tracker.tapAll(session, call);
    }
    const owned = new Set<string>();
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
        `reconciled ${session.server}: ${report.callsFound} calls taken up, ${report.callsEnded} found ended, ` +
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
