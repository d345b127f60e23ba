import type { ExternalMediaEndpoint } from '../pbx/sim-channel';
import type { RtpFaults, RtpSenderOptions } from './rtp-sender';

/** What a sender thread is started with. */
export interface RtpShardData {
  fixturesDir: string;
  options: RtpSenderOptions;
}

/** Messages to a sender thread; those with an id are answered with an RtpShardReply. */
export type RtpShardCommand =
  | { type: 'allocate'; id: number }
  | { type: 'reports'; id: number }
  | { type: 'close'; id: number }
  | { type: 'release'; port: number }
  | { type: 'start'; channelId: string; endpoint: ExternalMediaEndpoint; voices: string[] }
  | { type: 'stop'; channelId: string }
  | { type: 'faults'; faults: RtpFaults };

export type RtpShardReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; status: number; message: string };
