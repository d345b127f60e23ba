import { createHash } from 'node:crypto';
import type { AudioSocketEndpoint, AudioTrack } from '@asb/contracts';
import type { MediaAllocation } from './media-allocator';

export interface TapIds {
  snoop: string;
  externalMedia: string;
  bridge: string;
}

/**
 * What every id of this deployment's channels and bridges begins with: TAP_ID_PREFIX and a tag of
 * its ARI application. Another bridge deployment on the same Asterisk (another application) has
 * another tag, so neither takes the other's taps for its own leftovers.
 */
export function ownIdPrefix(config: { TAP_ID_PREFIX: string; ARI_APP: string }): string {
  const appTag = createHash('sha256').update(config.ARI_APP).digest('hex').slice(0, 8);
  return `${config.TAP_ID_PREFIX}-${appTag}-`;
}

/** One track's tap of a call: its channels and bridge, its port, and whether it is up. */
export interface TapHandle {
  track: AudioTrack;
  /** The ids of the current attempt; a failed attempt is taken down and the next gets new ones. */
  ids: TapIds;
  /** RTP: the gateway port this attempt's externalMedia sends to. */
  allocation?: MediaAllocation;
  /** AudioSocket: the UUID this attempt registered and Asterisk connects with. */
  audioSocket?: AudioSocketEndpoint;
  /**
   * AudioSocket: the gateway process that took the connection, as its stats samples tell (their
   * runId is the UUID). A gateway whose node vanished closes nothing, and Asterisk would write
   * into the dead connection for many seconds: its loss, heard by its heartbeats, re-taps these.
   */
  servedBy?: { gatewayId: string; bootId: string };
  /**
   * Taps of the track before this one that lost their media soon after they began: each makes
   * the next setup wait longer, so a connection refused at once is not redone in a tight loop.
   */
  quickLosses: number;
  /** Settles when the setup is over: true if the tap runs, false if it was cancelled. */
  ready: Promise<boolean>;
  running: boolean;
  /** performance.now() when the tap began running: a channel list requested earlier cannot show it. */
  runningSince?: number;
  stopped: boolean;
  /**
   * This attempt takes over the snoop and bridge of a tap whose gateway was lost: only a new
   * externalMedia channel, pointed at a live gateway, joins the bridge.
   */
  takingOver?: boolean;
  /** Its snoop and bridge went to a successor: taking it down deletes its externalMedia only. */
  handedOver?: boolean;
  /**
   * Its externalMedia channel was hung up while the attempt was still being set up (a gateway
   * that closed Asterisk's connection at once): the attempt counts as failed when it ends.
   */
  mediaLostInSetup?: boolean;
  /** Aborted when the tap is stopped, so a setup waiting to retry gives up at once. */
  readonly cancel: AbortController;
}
