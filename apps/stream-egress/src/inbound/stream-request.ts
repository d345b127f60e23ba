import { AUDIO_TRACKS, AudioTrack, isValidCallId, RECENT_AUDIO_MAX_SECONDS } from '@asb/contracts';
import {
  EGRESS_FORMATS,
  EgressFormatName,
  JAMBONZ_MIX_TYPES,
  JAMBONZ_SAMPLE_RATES,
  JAMBONZ_SUBPROTOCOL,
  JambonzMixType,
  JambonzSampleRate,
  TWILIO_DEFAULT_TRACKS,
} from '../formats/egress-format-names';
import type { FormatRequest } from '../formats/create-format.util';
import { REPLAY_CHOICES, type ReplayChoice } from '../config/stream-egress.config';

/** The path inbound clients connect to. */
export const INBOUND_PATH = '/v1/streams';

/** What an inbound client asks for in its URL's query. */
export interface StreamRequest extends FormatRequest {
  /** A callId, or 'next' for the next call no other next-call client has had. */
  call: string | 'next';
  /** next only: restrict to calls of these campaigns / call types. */
  campaigns?: string[];
  callTypes?: string[];
  /** next only: the replay tool's calls too (`include`, the default), never, or only them. */
  replays: ReplayChoice;
  /** Seconds of the call's recent audio to send first, then live (`recent`; 0 or absent: none). */
  recentSeconds?: number;
}

export type ParsedStreamRequest =
  { ok: true; request: StreamRequest } | { ok: false; error: string };

function list(value: string | null): string[] | undefined {
  if (value === null) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items.length > 0 ? items : undefined;
}

/**
 * Reads `?call=<callId>|next&format=twilio|jambonz&tracks=caller,agent&sampleRate=16000&mixType=stereo
 * &campaign=...&callType=...&replays=include|exclude|only&recent=10`. The format defaults to jambonz when the client offers the
 * `audio.jambonz.org` subprotocol, twilio otherwise.
 */
export function parseStreamRequest(
  query: URLSearchParams,
  offeredProtocols: ReadonlySet<string>,
): ParsedStreamRequest {
  const call = query.get('call');
  if (!call) return { ok: false, error: 'call is required: a callId, or next' };
  if (call !== 'next' && !isValidCallId(call)) {
    return { ok: false, error: 'call must be next or a callId of [A-Za-z0-9_-]' };
  }
  const formatValue =
    query.get('format') ?? (offeredProtocols.has(JAMBONZ_SUBPROTOCOL) ? 'jambonz' : 'twilio');
  if (!(EGRESS_FORMATS as readonly string[]).includes(formatValue)) {
    return { ok: false, error: `format must be one of ${EGRESS_FORMATS.join(', ')}` };
  }
  const tracks = list(query.get('tracks')) ?? TWILIO_DEFAULT_TRACKS;
  if (!tracks.every((track) => (AUDIO_TRACKS as readonly string[]).includes(track))) {
    return { ok: false, error: `tracks must be among ${AUDIO_TRACKS.join(', ')}` };
  }
  const sampleRate = Number(query.get('sampleRate') ?? 8000);
  if (!(JAMBONZ_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
    return { ok: false, error: `sampleRate must be one of ${JAMBONZ_SAMPLE_RATES.join(', ')}` };
  }
  const mixType = query.get('mixType') ?? 'mono';
  if (!(JAMBONZ_MIX_TYPES as readonly string[]).includes(mixType)) {
    return { ok: false, error: `mixType must be one of ${JAMBONZ_MIX_TYPES.join(', ')}` };
  }
  const replays = query.get('replays') ?? 'include';
  if (!(REPLAY_CHOICES as readonly string[]).includes(replays)) {
    return { ok: false, error: `replays must be one of ${REPLAY_CHOICES.join(', ')}` };
  }
  const recentValue = query.get('recent');
  const recentSeconds = recentValue === null ? 0 : Number(recentValue);
  if (
    (recentValue !== null && recentValue.trim() === '') ||
    !Number.isFinite(recentSeconds) ||
    recentSeconds < 0 ||
    recentSeconds > RECENT_AUDIO_MAX_SECONDS
  ) {
    return { ok: false, error: `recent must be seconds from 0 to ${RECENT_AUDIO_MAX_SECONDS}` };
  }
  return {
    ok: true,
    request: {
      call,
      format: formatValue as EgressFormatName,
      tracks: [...new Set(tracks)] as AudioTrack[],
      sampleRate: sampleRate as JambonzSampleRate,
      mixType: mixType as JambonzMixType,
      campaigns: list(query.get('campaign')),
      callTypes: list(query.get('callType')),
      replays: replays as ReplayChoice,
      recentSeconds: recentSeconds > 0 ? recentSeconds : undefined,
    },
  };
}
