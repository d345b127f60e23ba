import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KV } from 'nats';
import {
  ARI_INGEST_CALLS_BUCKET,
  type AudioSocketEndpoint,
  type AudioTrack,
  type FollowedCall,
} from '@asb/contracts';
import { APP_CONFIG } from '@asb/config';
import { NatsClient } from '@asb/nats';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import type { MediaAllocation } from '../tap/media-allocator';
import type { TapIds } from '../tap/tap-handle';
import type { TrackedCall } from './tracked-call';

/** A running tap, as another ari-ingest needs it to take the tap over rather than redo it. */
export interface RememberedTap {
  track: AudioTrack;
  ids: TapIds;
  /** RTP taps. */
  allocation?: MediaAllocation;
  /** AudioSocket taps. */
  audioSocket?: AudioSocketEndpoint;
}

/**
 * What is kept of a live call so that another ari-ingest can end it if it vanishes (with the
 * last time it was known up), and adopt its running taps (Asterisk keeps them, and their audio flows, while no ari-ingest runs).
 */
export type RememberedCall = CallIdentity & FollowedCall & { runningTaps?: RememberedTap[] };

/** What names a call in its events, whether it is followed now or only remembered. */
export type CallIdentity = Pick<
  TrackedCall,
  'callId' | 'server' | 'asteriskId' | 'channelId' | 'channelName'
>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The calls ari-ingest is following, kept in NATS KV beside the lease. A call that ends while no
 * instance is watching (during a failover or a restart) leaves no trace on Asterisk, so without
 * this the next instance could never announce its end. Failures here are logged and never stop
 * a call from being followed.
 */
@Injectable()
export class CallRegistry {
  private readonly logger = new Logger(CallRegistry.name);
  private kv?: Promise<KV>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly nats: NatsClient,
  ) {}

  private bucket(): Promise<KV> {
    this.kv ??= this.nats.jetstream().views.kv(ARI_INGEST_CALLS_BUCKET, { history: 1 });
    this.kv.catch(() => (this.kv = undefined));
    return this.kv;
  }

  private key(server: string, channelId: string): string {
    return `${this.config.ARI_APP.replace(/[^A-Za-z0-9_-]/g, '_')}.${server}.${channelId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  /** Records the call and its running taps; called again whenever its taps change. */
  async remember(call: TrackedCall): Promise<void> {
    if (call.phase === 'ended') return;
    const taps: RememberedTap[] = [];
    for (const handle of call.taps.values()) {
      const { allocation, audioSocket } = handle;
      if (handle.running && (allocation || audioSocket))
        taps.push({ track: handle.track, ids: handle.ids, allocation, audioSocket });
    }
    const entry: RememberedCall = {
      callId: call.callId,
      server: call.server,
      asteriskId: call.asteriskId,
      channelId: call.channelId,
      channelName: call.channelName,
      lastSeenAt: call.lastSeenAt.toISOString(),
      runningTaps: taps,
    };
    try {
      await (
        await this.bucket()
      ).put(this.key(call.server, call.channelId), encoder.encode(JSON.stringify(entry)));
    } catch (error) {
      this.logger.warn(`could not record call ${call.callId}: ${(error as Error).message}`);
    }
  }

  async forget(server: string, channelId: string): Promise<void> {
    try {
      await (await this.bucket()).purge(this.key(server, channelId));
    } catch (error) {
      this.logger.warn(
        `could not drop the record of ${server}/${channelId}: ${(error as Error).message}`,
      );
    }
  }

  /** Every call of a server that an instance of this app was following. */
  async remembered(server: string): Promise<RememberedCall[]> {
    const kv = await this.bucket();
    const prefix = this.key(server, '');
    const calls: RememberedCall[] = [];
    // Awaiting inside the keys iterator loses keys (nats.js 2.29 gave 1 of 5): collect them first.
    const keys: string[] = [];
    for await (const key of await kv.keys(`${prefix}*`)) keys.push(key);
    for (const key of keys) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      try {
        calls.push(JSON.parse(decoder.decode(entry.value)) as RememberedCall);
      } catch {
        await kv.purge(key);
      }
    }
    return calls;
  }
}
