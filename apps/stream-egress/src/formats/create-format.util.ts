import type { AudioTrack } from '@asb/contracts';
import type { EgressFormatName, JambonzMixType, JambonzSampleRate } from './egress-format-names';
import type { EgressFormat } from './egress-format';
import { JambonzListenFormat } from './jambonz/jambonz-listen.format';
import { TwilioMediaStreamFormat } from './twilio/twilio-media-stream.format';

/** What a stream's format is asked for, by a route's target or an inbound client's query. */
export interface FormatRequest {
  format: EgressFormatName;
  /** twilio: the tracks to send. */
  tracks: readonly AudioTrack[];
  /** jambonz: the PCM rate and the channel layout. */
  sampleRate: JambonzSampleRate;
  mixType: JambonzMixType;
}

export function createFormat(
  request: FormatRequest,
  streamId: string,
  accountSid: string,
  startedAt = performance.now(),
): EgressFormat {
  return request.format === 'twilio'
    ? new TwilioMediaStreamFormat(streamId, accountSid, request.tracks, startedAt)
    : new JambonzListenFormat(streamId, accountSid, request.sampleRate, request.mixType, startedAt);
}

/** Whether a call with these taps has audio for a stream of this request (mirrors hasAudio). */
export function requestHasAudio(request: FormatRequest, taps: ReadonlySet<AudioTrack>): boolean {
  if (request.format === 'twilio') return request.tracks.some((track) => taps.has(track));
  if (request.mixType === 'mono') return taps.has('caller') || taps.has('mixed');
  return (
    taps.has('caller') || taps.has('agent') || (request.mixType === 'mixed' && taps.has('mixed'))
  );
}
