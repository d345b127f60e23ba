import type { RtpReceiver } from '../rtp/rtp-receiver';

export const RELEASE_REASONS = ['released', 'replaced', 'idle', 'shutdown'] as const;
/** Why an allocation ended; the `reason` label of media_gateway_releases_total. */
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

export interface Allocation {
  id: string;
  /** `<callId>/<track>`: at most one allocation per track of a call on a gateway. */
  trackKey: string;
  /** Configured name of the Asterisk server sending the stream, for the logs. */
  server: string;
  receiver: RtpReceiver;
}
