import {
  ACTIVITY_SLOT_CODES,
  ACTIVITY_SLOT_MS,
  AudioTrack,
  AudioVerdict,
  StreamStats,
  SuspectFormat,
} from '@asb/contracts';

/** How long the judge waits before calling silence a fault. */
export interface AudioVerdictTimes {
  /** A track's audio carries nothing (below -60 dBFS) for this long: silent_track. */
  silentTrackAfterMs: number;
  /** One of caller and agent speaks and the other has not for this long: one_way_audio. */
  oneWayAfterMs: number;
}

/** A verdict raised or cleared, ready to become an audio_verdict event. */
export interface VerdictChange {
  verdict: AudioVerdict;
  state: 'raised' | 'cleared';
  track: AudioTrack;
  /** Epoch ms when the condition began (raised) or ended (cleared). */
  since: number;
  suspectFormat?: SuspectFormat;
  speakingTrack?: AudioTrack;
  detail: string;
}

export interface TalkFigures {
  heardS: number;
  customerTalkS: number;
  agentTalkS: number;
  overlapS: number;
  longestSilenceS: number;
}

interface TrackState {
  /** The run of the latest sample, and its counters then: counters start again with each run. */
  runId: string | undefined;
  analysedMs: number;
  signalMs: number;
  speechMs: number;
  /**
   * Audio analysed over every run, in ms. Silence is measured in audio heard, not in time passed:
   * a track whose packets are late, or not flowing yet, is never called silent for it.
   */
  heardMs: number;
  /** heardMs at the end of the last sample that brought signal, and speech. */
  heardMsAtSignal: number;
  heardMsAtSpeech: number;
  /** Epoch ms: when the track's audio began, and the last sample that brought signal and speech. */
  firstHeardAt: number | undefined;
  lastSignalAt: number | undefined;
  lastSpeechAt: number | undefined;
  stalled: boolean;
  /** The latest run sent its last sample. */
  finished: boolean;
}

const SUSPECT_FORMAT_TEXT: Record<SuspectFormat, string> = {
  broadband_noise: 'loud noise instead of speech: byte-swapped PCM or the wrong codec',
  g711_law_mismatch: 'pauses sit on G.711 silence decoded with the wrong law (u-law read as a-law)',
  too_bright: '8 kHz audio played as 16 kHz (speech at double speed)',
};

// Bits of a talk slot.
const CALLER_SPEECH = 1;
const AGENT_SPEECH = 2;
const CALLER_HEARD = 4;
const AGENT_HEARD = 8;
const BOTH_HEARD = CALLER_HEARD | AGENT_HEARD;
/** Slots of one track wait this long for the other's before they are counted without them. */
const MAX_WAITING_SLOTS = 600;

const seconds = (slots: number) => Math.round((slots * ACTIVITY_SLOT_MS) / 100) / 10;

/**
 * Judges one call's audio from the gateways' analysis in its tracks' stats samples: raises and
 * clears verdicts, and counts talk time from the caller and agent tracks' speech slots. Time is
 * the samples' own (when the gateway took them): a sample that does not come judges nothing, so
 * a dead gateway's silence is never taken for a silent line.
 */
export class CallAudioJudge {
  private readonly tracks = new Map<AudioTrack, TrackState>();
  /** Raised verdicts, keyed `verdict/track`. */
  private readonly raised = new Map<string, VerdictChange>();
  private readonly talkSlots = new Map<number, number>();
  private readonly heardUpTo = { caller: -1, agent: -1 };
  private heardSlots = 0;
  private customerSlots = 0;
  private agentSlots = 0;
  private overlapSlots = 0;
  private silenceRun = 0;
  private longestSilence = 0;
  private lastCountedSlot = -Infinity;

  constructor(private readonly times: AudioVerdictTimes) {}

  /** Verdicts raised now: ended calls report them, and a dashboard shows them. */
  get active(): VerdictChange[] {
    return [...this.raised.values()];
  }

  /** Every caller and agent track heard has sent its last sample. */
  get finished(): boolean {
    const talking = [this.tracks.get('caller'), this.tracks.get('agent')].filter(
      (state) => state !== undefined,
    );
    return talking.length > 0 && talking.every((state) => state.finished);
  }

  /** Takes a sample of one of the call's tracks; returns the verdicts it raised or cleared. */
  add(sample: StreamStats, live: boolean): VerdictChange[] {
    const { audio } = sample;
    if (!audio) return [];
    const at = Date.parse(sample.sampledAt);
    const state = this.follow(sample.track, sample.runId);
    const grown = Math.max(0, audio.analysedMs - state.analysedMs);
    state.heardMs += grown;
    if (grown > 0) state.firstHeardAt ??= at - grown;
    if (audio.signalMs > state.signalMs) {
      state.lastSignalAt = at;
      state.heardMsAtSignal = state.heardMs;
    }
    if (audio.speechMs > state.speechMs) {
      state.lastSpeechAt = at;
      state.heardMsAtSpeech = state.heardMs;
    }
    state.analysedMs = audio.analysedMs;
    state.signalMs = audio.signalMs;
    state.speechMs = audio.speechMs;
    state.stalled = sample.stalled;
    state.finished = sample.final === true;
    if (audio.activity && sample.track !== 'mixed') {
      this.countTalk(sample.track, audio.activity.from, audio.activity.slots);
    }
    if (!live) return [];
    const changes: VerdictChange[] = [];
    const judge = (key: string, wanted: VerdictChange | undefined, clearedAt: number) => {
      const current = this.raised.get(key);
      if (wanted && !current) {
        this.raised.set(key, wanted);
        changes.push(wanted);
      } else if (!wanted && current) {
        this.raised.delete(key);
        changes.push({ ...current, state: 'cleared', since: clearedAt, detail: 'cleared' });
      }
    };
    const { track } = sample;
    judge(`suspect_format/${track}`, this.suspectFormat(track, audio.suspectFormat, at), at);
    judge(
      `clipping/${track}`,
      audio.clipping
        ? {
            verdict: 'clipping',
            state: 'raised',
            track,
            since: at,
            detail: 'more than 0.5 % of the loud audio hits full scale',
          }
        : undefined,
      at,
    );
    if (!state.stalled) judge(`silent_track/${track}`, this.silentTrack(track, state), at);
    if (track !== 'mixed') {
      for (const silent of ['caller', 'agent'] as const) {
        judge(`one_way_audio/${silent}`, this.oneWay(silent), at);
      }
    }
    return changes;
  }

  /** Counts every slot still waiting and returns the call's talk figures, or none if no caller or agent audio was heard. */
  talk(): TalkFigures | undefined {
    this.countSlotsBefore(Infinity);
    if (this.heardUpTo.caller < 0 && this.heardUpTo.agent < 0) return undefined;
    return {
      heardS: seconds(this.heardSlots),
      customerTalkS: seconds(this.customerSlots),
      agentTalkS: seconds(this.agentSlots),
      overlapS: seconds(this.overlapSlots),
      longestSilenceS: seconds(Math.max(this.longestSilence, this.silenceRun)),
    };
  }

  private follow(track: AudioTrack, runId: string | undefined): TrackState {
    let state = this.tracks.get(track);
    if (!state) {
      state = {
        runId,
        analysedMs: 0,
        signalMs: 0,
        speechMs: 0,
        heardMs: 0,
        heardMsAtSignal: 0,
        heardMsAtSpeech: 0,
        firstHeardAt: undefined,
        lastSignalAt: undefined,
        lastSpeechAt: undefined,
        stalled: false,
        finished: false,
      };
      this.tracks.set(track, state);
    } else if (state.runId !== runId) {
      // A new run (a re-tap): its counters start from zero.
      state.runId = runId;
      state.analysedMs = 0;
      state.signalMs = 0;
      state.speechMs = 0;
    }
    return state;
  }

  private suspectFormat(
    track: AudioTrack,
    seen: SuspectFormat | undefined,
    at: number,
  ): VerdictChange | undefined {
    if (!seen) return undefined;
    return (
      this.raised.get(`suspect_format/${track}`) ?? {
        verdict: 'suspect_format',
        state: 'raised',
        track,
        since: at,
        suspectFormat: seen,
        detail: SUSPECT_FORMAT_TEXT[seen],
      }
    );
  }

  private silentTrack(track: AudioTrack, state: TrackState): VerdictChange | undefined {
    const quietMs = state.heardMs - state.heardMsAtSignal;
    if (state.firstHeardAt === undefined || quietMs < this.times.silentTrackAfterMs)
      return undefined;
    return (
      this.raised.get(`silent_track/${track}`) ?? {
        verdict: 'silent_track',
        state: 'raised',
        track,
        since: state.lastSignalAt ?? state.firstHeardAt,
        detail: `audio arrives but carries nothing (below -60 dBFS) for ${Math.round(quietMs / 1000)} s: a muted leg or the wrong channel tapped`,
      }
    );
  }

  private oneWay(silent: 'caller' | 'agent'): VerdictChange | undefined {
    const speaking = silent === 'caller' ? 'agent' : 'caller';
    const quiet = this.tracks.get(silent);
    const talker = this.tracks.get(speaking);
    if (!quiet || !talker || quiet.stalled || talker.stalled) return undefined;
    if (quiet.firstHeardAt === undefined || talker.lastSpeechAt === undefined) return undefined;
    const window = this.times.oneWayAfterMs;
    const quietMs = quiet.heardMs - quiet.heardMsAtSpeech;
    if (quietMs < window || talker.heardMs - talker.heardMsAtSpeech >= window) return undefined;
    return (
      this.raised.get(`one_way_audio/${silent}`) ?? {
        verdict: 'one_way_audio',
        state: 'raised',
        track: silent,
        since: quiet.lastSpeechAt ?? quiet.firstHeardAt,
        speakingTrack: speaking,
        detail: `the ${speaking} track speaks, the ${silent} track has had no speech for ${Math.round(quietMs / 1000)} s`,
      }
    );
  }

  /**
   * Merges a track's slots into the call's timeline and counts the slots both tracks have
   * reported (the other may lag a sample behind); a track that stops reporting holds the count
   * back at most MAX_WAITING_SLOTS.
   */
  private countTalk(track: 'caller' | 'agent', from: number, slots: string): void {
    const first = Math.floor(from / ACTIVITY_SLOT_MS);
    const heard = track === 'caller' ? CALLER_HEARD : AGENT_HEARD;
    const speech = track === 'caller' ? CALLER_SPEECH : AGENT_SPEECH;
    for (let i = 0; i < slots.length; i += 1) {
      const code = slots[i];
      if (code === ACTIVITY_SLOT_CODES.noAudio) continue;
      const slot = first + i;
      const bits = heard | (code === ACTIVITY_SLOT_CODES.speech ? speech : 0);
      this.talkSlots.set(slot, (this.talkSlots.get(slot) ?? 0) | bits);
    }
    this.heardUpTo[track] = Math.max(this.heardUpTo[track], first + slots.length);
    const both = Math.min(this.heardUpTo.caller, this.heardUpTo.agent);
    const newest = Math.max(this.heardUpTo.caller, this.heardUpTo.agent);
    this.countSlotsBefore(Math.max(both, newest - MAX_WAITING_SLOTS));
  }

  private countSlotsBefore(limit: number): void {
    const ready = [...this.talkSlots.keys()].filter((slot) => slot < limit).sort((a, b) => a - b);
    for (const slot of ready) {
      const bits = this.talkSlots.get(slot) as number;
      this.talkSlots.delete(slot);
      // A slot neither track heard breaks a silence: nobody knows what happened in it.
      if (slot !== this.lastCountedSlot + 1) this.endSilence();
      this.lastCountedSlot = slot;
      if (bits & CALLER_SPEECH) this.customerSlots += 1;
      if (bits & AGENT_SPEECH) this.agentSlots += 1;
      if ((bits & BOTH_HEARD) !== BOTH_HEARD) {
        this.endSilence();
        continue;
      }
      this.heardSlots += 1;
      if (bits & CALLER_SPEECH && bits & AGENT_SPEECH) this.overlapSlots += 1;
      if (bits & (CALLER_SPEECH | AGENT_SPEECH)) this.endSilence();
      else this.silenceRun += 1;
    }
  }

  private endSilence(): void {
    this.longestSilence = Math.max(this.longestSilence, this.silenceRun);
    this.silenceRun = 0;
  }
}
