import type { AudioFrame, AudioTrack } from '@asb/contracts';
import type { KeyPress, LiveCall } from '../../calls/live-call';
import { pcm16View } from '../../audio/pcm16-view.util';
import { Pcm16Resampler } from '../../audio/pcm16-resampler';
import { AlignerSide, TrackAligner } from '../../audio/track-aligner';
import type { EgressFormat, MediaUnit, WireMessage } from '../egress-format';
import { JAMBONZ_SUBPROTOCOL, JambonzMixType, JambonzSampleRate } from '../egress-format-names';
import { TrackTimeline } from '../track-timeline';

/** Milliseconds of audio per binary frame of a paired (stereo or mixed) stream. */
const CHUNK_MS = 20;
/** A stalled track is waited for this many chunks before the other goes out alone. */
const HOLD_CHUNKS = 5;

interface SourceState {
  resampler?: Pcm16Resampler;
  scratch: Int16Array;
  timeline: TrackTimeline;
}

/**
 * The listen protocol of jambonz (its `listen` verb, as mod_audio_fork speaks it): subprotocol
 * `audio.jambonz.org`, one JSON text frame with the call's attributes (callSid, direction, from,
 * to, ...), `sampleRate` and `mixType`, plus the call's metadata at the top level as jambonz merges
 * its `metadata` property; then binary frames of PCM16LE at the chosen rate (mono = the customer,
 * stereo = customer left + agent right interleaved, mixed = both summed into one channel), and a
 * text frame per key pressed, as with the verb's `passDtmf`.
 * jambonz sends nothing to end a stream: the socket is closed.
 */
export class JambonzListenFormat implements EgressFormat {
  readonly name = 'jambonz' as const;
  readonly subprotocol = JAMBONZ_SUBPROTOCOL;
  private readonly sources = new Map<AudioTrack, SourceState>();
  private readonly aligner?: TrackAligner;
  /** Which tapped track a mono stream (or a mixed one of a `mixed` tap) reads. */
  private monoTrack: AudioTrack = 'caller';
  private taps: ReadonlySet<AudioTrack> = new Set();

  constructor(
    private readonly streamId: string,
    private readonly accountSid: string,
    readonly sampleRate: JambonzSampleRate,
    readonly mixType: JambonzMixType,
    private readonly streamStartedAt: number,
  ) {
    if (mixType !== 'mono') {
      this.aligner = new TrackAligner(
        (sampleRate * CHUNK_MS) / 1000,
        HOLD_CHUNKS,
        mixType === 'stereo' ? 'stereo' : 'mix',
      );
    }
  }

  get tracks(): readonly AudioTrack[] {
    if (this.mixType === 'mono') return [this.monoTrack];
    if (this.mixType === 'mixed' && this.sideOf('mixed') === 'alone') return ['mixed'];
    return ['caller', 'agent'];
  }

  hasAudio(taps: ReadonlySet<AudioTrack>): boolean {
    if (this.mixType === 'mono') return taps.has('caller') || taps.has('mixed');
    return (
      taps.has('caller') || taps.has('agent') || (this.mixType === 'mixed' && taps.has('mixed'))
    );
  }

  tapsChanged(taps: ReadonlySet<AudioTrack>): void {
    this.taps = new Set(taps);
    // A call tapped as one `mixed` track: that is the mono stream, and the mixed stream as is.
    this.monoTrack = !taps.has('caller') && taps.has('mixed') ? 'mixed' : 'caller';
    this.aligner?.setActive(0, taps.has('caller'));
    this.aligner?.setActive(1, taps.has('agent'));
  }

  greeting(): WireMessage[] {
    return [];
  }

  start(call: LiveCall): WireMessage[] {
    const v = call.vicidial;
    const preamble: Record<string, unknown> = {
      callSid: call.callId,
      direction: call.direction,
      from: call.callerNumber ?? '',
      to: call.calleeNumber ?? '',
      callId: call.callId,
      callStatus: 'in-progress',
      sipStatus: 200,
      accountSid: this.accountSid,
      caller_name: call.callerName ?? '',
      sampleRate: this.sampleRate,
      mixType: this.mixType,
      // The listen verb's `metadata`, merged at the top level as jambonz does.
      streamId: this.streamId,
      server: call.server,
      channelName: call.channelName,
      callCode: v?.callCode,
      callType: v?.callType,
      leadId: v?.leadId,
      campaign: v?.campaign,
      campaignName: v?.campaignName,
      inGroup: v?.inGroup,
      listId: v?.listId,
      agent: v?.agent,
      agentName: v?.agentName,
    };
    for (const key of Object.keys(preamble)) if (preamble[key] === undefined) delete preamble[key];
    return [JSON.stringify(preamble)];
  }

  accept(
    track: AudioTrack,
    frame: AudioFrame,
    receivedAt: number,
    emit: (unit: MediaUnit) => void,
  ): void {
    const side = this.sideOf(track);
    if (side === undefined) return;
    let state = this.sources.get(track);
    if (!state) {
      state = { scratch: new Int16Array(0), timeline: new TrackTimeline(this.streamStartedAt) };
      this.sources.set(track, state);
    }
    const timestampMs = state.timeline.place(frame, receivedAt);
    if (state.resampler?.inputRate !== frame.sampleRate) {
      state.resampler = new Pcm16Resampler(frame.sampleRate, this.sampleRate);
    }
    const input = pcm16View(frame.pcm);
    const needed = state.resampler.maxOutput(input.length);
    if (state.scratch.length < needed) state.scratch = new Int16Array(needed);
    const count = state.resampler.process(input, state.scratch);
    if (side === 'alone') {
      const payload = Buffer.allocUnsafe(count * 2);
      payload.set(new Uint8Array(state.scratch.buffer, 0, count * 2));
      emit({ track: 'inbound', payload, timestampMs, receivedAt });
      return;
    }
    this.aligner?.push(
      side,
      state.scratch,
      count,
      (payload) => emit({ track: 'inbound', payload, timestampMs, receivedAt }),
      frame.capturedAt === undefined
        ? undefined
        : Math.round((timestampMs * this.sampleRate) / 1000),
    );
  }

  /** Where a track goes: alone (mono, or a mixed tap in a mixed stream), a stereo side, or nowhere. */
  private sideOf(track: AudioTrack): AlignerSide | 'alone' | undefined {
    if (this.mixType === 'mono') return track === this.monoTrack ? 'alone' : undefined;
    if (track === 'mixed') {
      return this.mixType === 'mixed' && !this.taps.has('caller') && !this.taps.has('agent')
        ? 'alone'
        : undefined;
    }
    return track === 'caller' ? 0 : 1;
  }

  serialize(unit: MediaUnit): WireMessage {
    return unit.payload;
  }

  /**
   * What jambonz sends with the listen verb's `passDtmf`: a text frame `{event, dtmf, duration}`,
   * the duration as FreeSWITCH reports it (8 kHz samples, a string); a masked press has no `dtmf`
   * and `masked: true` in its place.
   */
  keyPress(press: KeyPress): WireMessage {
    const duration = String(press.durationMs * 8);
    return JSON.stringify(
      press.digit === undefined
        ? { event: 'dtmf', masked: true, duration }
        : { event: 'dtmf', dtmf: press.digit, duration },
    );
  }

  stop(): WireMessage[] {
    return [];
  }

  answer(): WireMessage | undefined {
    // Bidirectional audio (jambonz's playAudio / killAudio) is for later phases; ignored.
    return undefined;
  }
}
