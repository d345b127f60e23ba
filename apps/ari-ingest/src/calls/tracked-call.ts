import type { AudioTrack, VicidialMetadata } from '@asb/contracts';
import type { TapHandle } from '../tap/tap-handle';

export type CallPhase = 'ringing' | 'answered' | 'ended';

/** What ari-ingest knows of one call (one tapped trunk channel) while it lives. */
export interface TrackedCall {
  callId: string;
  server: string;
  asteriskId?: string;
  channelId: string;
  channelName: string;
  direction: 'inbound' | 'outbound' | 'unknown';
  phase: CallPhase;
  channelState: string;
  context?: string;
  exten?: string;
  callerNumber?: string;
  callerName?: string;
  calleeNumber?: string;
  vicidial?: VicidialMetadata;
  /** The customer conversation this call is a leg of (ConversationLinker); its own id at first. */
  conversationId: string;
  /** The lead whose conversation the call is in, if any. */
  conversationLead?: number;
  /** When Asterisk created the channel (ms since the epoch): the earliest leg names a conversation. */
  createdAtMs: number;
  /** Key of the metadata last published, to publish `updated` only on a change. */
  metadataKey: string;
  taps: Map<AudioTrack, TapHandle>;
  /** Tracks announced as not_tapped (over the server's tap cap), waiting for capacity. */
  notTapped: Set<AudioTrack>;
  /** When the call was last known to be up: its latest event, or a channel list showing it. */
  lastSeenAt: Date;
  /** performance.now() when ari-ingest began following it: a channel list asked for earlier cannot show it. */
  trackedSince: number;
}
