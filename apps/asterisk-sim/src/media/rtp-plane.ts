import type { MediaPlane } from '../pbx/asterisk-instance';
import type { RtpFaults, StreamReport } from './rtp-sender';

/** What the simulator needs of its RTP sender, whether it sends in this thread or in several. */
export interface RtpPlane extends MediaPlane {
  /** Applied to every stream from the next packet on. */
  faults: RtpFaults;
  readonly activeStreams: number;
  /** Every stream still sending, then the most recent finished ones. */
  reports(): StreamReport[] | Promise<StreamReport[]>;
  close(): void | Promise<void>;
}
