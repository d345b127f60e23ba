import { encodeUlawInto } from '@asb/rtp';
import type { AudioFrame, AudioTrack } from '@asb/contracts';
import { callParameters } from '../../calls/call-parameters.util';
import type { KeyPress, LiveCall } from '../../calls/live-call';
import { pcm16View } from '../../audio/pcm16-view.util';
import { Pcm16Resampler } from '../../audio/pcm16-resampler';
import type { EgressFormat, MediaUnit, WireMessage } from '../egress-format';
import { TrackTimeline } from '../track-timeline';

/** Twilio Media Streams always carry 8 kHz mono u-law. */
export const TWILIO_SAMPLE_RATE = 8000;
export const TWILIO_MEDIA_FORMAT = {
  encoding: 'audio/x-mulaw',
  sampleRate: TWILIO_SAMPLE_RATE,
  channels: 1,
} as const;

/** Twilio's track names: `inbound` is what the caller says, `outbound` what the caller hears. */
export function twilioTrack(track: AudioTrack): 'inbound' | 'outbound' {
  return track === 'agent' ? 'outbound' : 'inbound';
}

interface TrackState {
  timeline: TrackTimeline;
  resampler?: Pcm16Resampler;
  scratch: Int16Array;
}

/**
 * Twilio's Media Streams protocol as Twilio sends it to a `<Stream>` URL: `connected`, `start`
 * (streamSid, callSid, tracks, mediaFormat, customParameters), `media` per 20 ms of one track
 * (base64 u-law, 8 kHz), `dtmf` per key pressed, `stop`; `mark` messages a backend sends are answered with the same mark
 * (Twilio does so once the audio before it has played; we play none, so at once). callSid is the
 * bridge's callId; customParameters carry the call's identity and VICIdial metadata.
 *
 * sequenceNumber counts every message but `connected` on a connection from 1, and media chunks
 * count per track from 1, as Twilio does; timestamps are milliseconds since the stream first
 * started, and keep counting over a reconnection.
 */
export class TwilioMediaStreamFormat implements EgressFormat {
  readonly name = 'twilio' as const;
  readonly subprotocol = undefined;
  readonly tracks: readonly AudioTrack[];
  private readonly twilioTracks: Array<'inbound' | 'outbound'>;
  private readonly state = new Map<AudioTrack, TrackState>();
  private sequence = 0;
  private inboundChunk = 0;
  private outboundChunk = 0;

  constructor(
    private readonly streamSid: string,
    private readonly accountSid: string,
    tracks: readonly AudioTrack[],
    streamStartedAt: number,
  ) {
    this.tracks = [...new Set(tracks)];
    this.twilioTracks = [...new Set(this.tracks.map(twilioTrack))].sort();
    for (const track of this.tracks) {
      this.state.set(track, {
        timeline: new TrackTimeline(streamStartedAt),
        scratch: new Int16Array(0),
      });
    }
  }

  hasAudio(taps: ReadonlySet<AudioTrack>): boolean {
    return this.tracks.some((track) => taps.has(track));
  }

  tapsChanged(): void {
    // Tracks are independent messages: nothing waits for another track.
  }

  greeting(): WireMessage[] {
    this.sequence = 0;
    this.inboundChunk = 0;
    this.outboundChunk = 0;
    return [JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' })];
  }

  start(call: LiveCall): WireMessage[] {
    this.sequence += 1;
    return [
      JSON.stringify({
        event: 'start',
        sequenceNumber: String(this.sequence),
        start: {
          accountSid: this.accountSid,
          streamSid: this.streamSid,
          callSid: call.callId,
          tracks: this.twilioTracks,
          customParameters: callParameters(call),
          mediaFormat: TWILIO_MEDIA_FORMAT,
        },
        streamSid: this.streamSid,
      }),
    ];
  }

  accept(
    track: AudioTrack,
    frame: AudioFrame,
    receivedAt: number,
    emit: (unit: MediaUnit) => void,
  ): void {
    const state = this.state.get(track);
    if (!state) return;
    const timestampMs = state.timeline.place(frame, receivedAt);
    let pcm = pcm16View(frame.pcm);
    if (frame.sampleRate !== TWILIO_SAMPLE_RATE) {
      if (state.resampler?.inputRate !== frame.sampleRate) {
        state.resampler = new Pcm16Resampler(frame.sampleRate, TWILIO_SAMPLE_RATE);
      }
      const needed = state.resampler.maxOutput(pcm.length);
      if (state.scratch.length < needed) state.scratch = new Int16Array(needed);
      pcm = state.scratch.subarray(0, state.resampler.process(pcm, state.scratch));
    }
    const payload = Buffer.allocUnsafe(pcm.length);
    encodeUlawInto(pcm, payload, 0);
    emit({ track: twilioTrack(track), payload, timestampMs, receivedAt });
  }

  serialize(unit: MediaUnit): WireMessage {
    this.sequence += 1;
    const chunk = unit.track === 'inbound' ? ++this.inboundChunk : ++this.outboundChunk;
    // Built by hand: this runs for every frame, and every value is a digit string, a fixed
    // word or base64, none of which needs JSON escaping.
    return `{"event":"media","sequenceNumber":"${this.sequence}","media":{"track":"${unit.track}","chunk":"${chunk}","timestamp":"${unit.timestampMs}","payload":"${unit.payload.toString('base64')}"},"streamSid":"${this.streamSid}"}`;
  }

  /** Twilio's `dtmf` message; a masked press has no `digit` and `masked: true` in its place. */
  keyPress(press: KeyPress): WireMessage {
    this.sequence += 1;
    const track = `${twilioTrack(press.track)}_track`;
    return JSON.stringify({
      event: 'dtmf',
      streamSid: this.streamSid,
      sequenceNumber: String(this.sequence),
      dtmf: press.digit === undefined ? { track, masked: true } : { track, digit: press.digit },
    });
  }

  stop(call: LiveCall): WireMessage[] {
    this.sequence += 1;
    return [
      JSON.stringify({
        event: 'stop',
        sequenceNumber: String(this.sequence),
        stop: { accountSid: this.accountSid, callSid: call.callId },
        streamSid: this.streamSid,
      }),
    ];
  }

  answer(data: Buffer, isBinary: boolean): WireMessage | undefined {
    if (isBinary || data.length > 4096) return undefined;
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      return undefined;
    }
    const mark = (message as { event?: unknown; mark?: { name?: unknown } } | null) ?? {};
    if (mark.event !== 'mark' || typeof mark.mark?.name !== 'string') return undefined;
    this.sequence += 1;
    return JSON.stringify({
      event: 'mark',
      sequenceNumber: String(this.sequence),
      streamSid: this.streamSid,
      mark: { name: mark.mark.name },
    });
  }
}
