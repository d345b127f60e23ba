import type { AudioTrack } from '@asb/contracts';
import type { MediaAllocation } from './media-allocator';

export interface TapIds {
  snoop: string;
  externalMedia: string;
  bridge: string;
}

/** One track's tap of a call: its channels and bridge, its port, and whether it is up. */
export interface TapHandle {
  track: AudioTrack;
  ids: TapIds;
  allocation?: MediaAllocation;
  /** Settles when the setup is done: true if the tap runs, false if it failed or was cancelled. */
  ready: Promise<boolean>;
  running: boolean;
  stopped: boolean;
}
