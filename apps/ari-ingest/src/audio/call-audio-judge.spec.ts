import { join } from 'node:path';
import { AudioTrack, SourceCodec, StreamAudio, StreamStats } from '@asb/contracts';
import {
  AudioDefect,
  readWavPcm16,
  throughCodec,
  TrackAudioAnalyzer,
  withAudioDefect,
} from '@asb/rtp';
import { statsSample } from './__tests__/stats-sample';
import { CallAudioJudge, VerdictChange } from './call-audio-judge';

const FIXTURES = join(__dirname, '../../../asterisk-sim/fixtures');
const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const TIMES = { silentTrackAfterMs: 10_000, oneWayAfterMs: 30_000 };
const CODECS: SourceCodec[] = ['ulaw', 'alaw', 'slin', 'slin16'];

const fixtures = new Map<string, Int16Array>();
function fixture(voice: 'caller' | 'agent', rate: 8000 | 16000): Int16Array {
  const key = `${voice}-${rate / 1000}k`;
  let samples = fixtures.get(key);
  if (!samples) {
    samples = readWavPcm16(join(FIXTURES, `${key}.wav`)).samples;
    fixtures.set(key, samples);
  }
  return samples;
}

const heardAudio = new Map<string, Int16Array>();
/** What the gateway decodes of a voice's fixture (with a defect) sent in `codec`; made once. */
function heard(voice: 'caller' | 'agent', codec: SourceCodec, defect?: AudioDefect): Int16Array {
  const key = `${voice}/${codec}/${defect ?? ''}`;
  let audio = heardAudio.get(key);
  if (!audio) {
    const rate = codec === 'slin16' ? 16000 : 8000;
    const pcm = fixture(voice, rate);
    const recording = { 8000: fixture(voice, 8000), 16000: fixture(voice, 16000) };
    audio = throughCodec(defect ? withAudioDefect(defect, recording, rate) : pcm, codec);
    heardAudio.set(key, audio);
  }
  return audio;
}

interface TrackPlan {
  track: AudioTrack;
  codec: SourceCodec;
  defect?: AudioDefect;
  /** Where in the loop the audio starts. */
  start?: number;
  /** Share of packets lost on the way. */
  loss?: number;
  /** From this second on, the track carries the clean fixture (the defect is fixed). */
  healedAt?: number;
}

/**
 * A call as the gateway and ari-ingest see it: each track's audio in 20 ms frames through the
 * gateway's analysis, a stats sample every second, and the judge fed the samples in turn.
 */
function runCall(
  plans: TrackPlan[],
  seconds: number,
  random: () => number = Math.random,
): { changes: VerdictChange[]; judge: CallAudioJudge } {
  const judge = new CallAudioJudge(TIMES);
  const changes: VerdictChange[] = [];
  const tracks = plans.map((plan) => {
    const rate = plan.codec === 'slin16' ? 16000 : 8000;
    const voice = plan.track === 'agent' ? 'agent' : 'caller';
    const clean = heard(voice, plan.codec);
    const broken = plan.defect ? heard(voice, plan.codec, plan.defect) : clean;
    return {
      plan,
      clean,
      broken,
      perFrame: rate / 50,
      position: plan.start ?? 0,
      frame: new Int16Array(rate / 50),
      analyzer: new TrackAudioAnalyzer(20, rate === 16000),
    };
  });
  for (let second = 0; second < seconds; second += 1) {
    for (const track of tracks) {
      const audio =
        track.plan.healedAt !== undefined && second >= track.plan.healedAt
          ? track.clean
          : track.broken;
      for (let f = 0; f < 50; f += 1) {
        for (let i = 0; i < track.perFrame; i += 1) {
          track.frame[i] = audio[track.position % audio.length];
          track.position += 1;
        }
        if (random() < (track.plan.loss ?? 0)) continue;
        track.analyzer.analyse(track.frame, 0, track.perFrame, T0 + second * 1000 + f * 20);
      }
    }
    for (const track of tracks) {
      const final = second === seconds - 1;
      changes.push(
        ...judge.add(sample(track.plan, second, track.analyzer.sample(final), final), !final),
      );
    }
  }
  return { changes, judge };
}

function sample(plan: TrackPlan, second: number, audio: StreamAudio, final = false): StreamStats {
  return statsSample({
    callId: 'call-1',
    track: plan.track,
    codec: plan.codec,
    sampleRate: plan.codec === 'slin16' ? 16000 : 8000,
    sampledAt: new Date(T0 + (second + 1) * 1000).toISOString(),
    packets: 50 * (second + 1),
    audio,
    final: final || undefined,
  });
}

const raised = (changes: VerdictChange[]) =>
  changes.filter((c) => c.state === 'raised').map((c) => `${c.verdict}/${c.track}`);

describe('CallAudioJudge', () => {
  it('raises one_way_audio and silent_track when a track is silent while the other speaks', () => {
    const { changes } = runCall(
      [
        { track: 'caller', codec: 'ulaw' },
        { track: 'agent', codec: 'ulaw', defect: 'silence' },
      ],
      40,
    );
    expect(raised(changes)).toEqual(['silent_track/agent', 'one_way_audio/agent']);
    const silent = changes.find((c) => c.verdict === 'silent_track') as VerdictChange;
    // Raised once 10 s of silent audio had come, since that audio began (T0).
    expect(silent.since).toBe(T0);
    expect(silent.detail).toContain('nothing (below -60 dBFS) for 10 s');
    const oneWay = changes.find((c) => c.verdict === 'one_way_audio') as VerdictChange;
    expect(oneWay).toMatchObject({ speakingTrack: 'caller', since: T0 });
    expect(oneWay.detail).toContain('no speech for 30 s');
  });

  it('clears a verdict once the audio is fine again, with when', () => {
    const { changes } = runCall(
      [
        { track: 'caller', codec: 'slin', defect: 'byte_swapped', healedAt: 8 },
        { track: 'agent', codec: 'slin' },
      ],
      20,
    );
    expect(changes.map((c) => `${c.verdict}/${c.track}/${c.state}`)).toEqual([
      'suspect_format/caller/raised',
      'suspect_format/caller/cleared',
    ]);
    expect(changes[0]).toMatchObject({ suspectFormat: 'broadband_noise' });
    expect(changes[0].detail).toContain('byte-swapped');
    // The gateway's window is 5 s: good audio from 8 s clears it by 13 s.
    expect(changes[1].since).toBeLessThanOrEqual(T0 + 14_000);
  });

  // Each broken variant on one track of a call, and the verdicts it must raise (within 40 s).
  it.each<[AudioDefect, SourceCodec, string[]]>([
    ['byte_swapped', 'ulaw', ['suspect_format/caller']],
    ['byte_swapped', 'slin16', ['suspect_format/caller']],
    ['ulaw_as_alaw', 'alaw', ['suspect_format/caller']],
    ['ulaw_as_alaw', 'ulaw', ['suspect_format/caller']],
    ['rate_8k_as_16k', 'slin16', ['suspect_format/caller']],
    ['clipped', 'ulaw', ['clipping/caller']],
    ['clipped', 'slin16', ['clipping/caller']],
    ['silence', 'alaw', ['silent_track/caller', 'one_way_audio/caller']],
  ])('calls %s on %s the verdicts %j', (defect, codec, expected) => {
    const { changes } = runCall(
      [
        { track: 'caller', codec, defect },
        { track: 'agent', codec },
      ],
      40,
    );
    expect(raised(changes)).toEqual(expected);
  });

  it('raises no verdict on 1,000 calls of normal speech, whatever the codec, offset and loss', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const alarms: string[] = [];
    let summaries = 0;
    for (let call = 0; call < 1000; call += 1) {
      const codec = CODECS[call % CODECS.length];
      const loss = random() * 0.03;
      const seconds = 8 + Math.floor(random() * 40);
      const { changes, judge } = runCall(
        [
          { track: 'caller', codec, start: Math.floor(random() * 100_000), loss },
          { track: 'agent', codec, start: Math.floor(random() * 100_000), loss },
        ],
        seconds,
        random,
      );
      alarms.push(...raised(changes).map((alarm) => `call ${call} (${codec}): ${alarm}`));
      const talk = judge.talk();
      if (talk && talk.customerTalkS > 0 && talk.agentTalkS > 0) summaries += 1;
    }
    expect(alarms).toEqual([]);
    expect(summaries).toBe(1000);
  }, 120_000);

  describe('talk time', () => {
    const plan = (track: AudioTrack): TrackPlan => ({ track, codec: 'ulaw' });
    const activity = (slots: string, from = T0): StreamAudio => ({
      analysedMs: slots.length * 100,
      signalMs: slots.length * 100,
      speechMs: 0,
      clippedSamples: 0,
      dcOffset: 0,
      activity: { from, slots },
      clipping: false,
    });

    it('counts each side, their overlap and the longest silence over the time both were heard', () => {
      const judge = new CallAudioJudge(TIMES);
      judge.add(sample(plan('caller'), 0, activity('1111100000110000')), true);
      judge.add(sample(plan('agent'), 0, activity('0001100001100000')), true);
      // The caller track goes on alone: its speech counts, but no overlap or silence.
      judge.add(sample(plan('caller'), 1, activity('0000011', T0 + 1600)), true);
      expect(judge.talk()).toEqual({
        heardS: 1.6,
        customerTalkS: 0.9,
        agentTalkS: 0.4,
        overlapS: 0.3,
        longestSilenceS: 0.4,
      });
    });

    it('takes slots of either track in any order and treats a gap as no silence', () => {
      const judge = new CallAudioJudge(TIMES);
      judge.add(sample(plan('agent'), 0, activity('00000')), true);
      judge.add(sample(plan('caller'), 0, activity('00--0')), true);
      judge.add(sample(plan('caller'), 1, activity('000', T0 + 500)), true);
      judge.add(sample(plan('agent'), 1, activity('000', T0 + 500)), true);
      expect(judge.talk()).toMatchObject({ heardS: 0.6, longestSilenceS: 0.4 });
    });

    it('has nothing to say of a call whose caller and agent tracks were never heard', () => {
      const judge = new CallAudioJudge(TIMES);
      judge.add(sample(plan('mixed'), 0, activity('1111')), true);
      expect(judge.talk()).toBeUndefined();
    });
  });

  it('measures silence in audio heard, not in time passed: packets that come late are no silent line', () => {
    // Seen on a busy machine: a tap runs 3 s before its first packets arrive, then both sides talk.
    const judge = new CallAudioJudge({ silentTrackAfterMs: 3000, oneWayAfterMs: 4000 });
    const counters = (analysedMs: number, signalMs: number, speechMs: number): StreamAudio => ({
      ...activity0(),
      analysedMs,
      signalMs,
      speechMs,
    });
    const seconds: Array<[StreamAudio, StreamAudio]> = [
      [counters(0, 0, 0), counters(0, 0, 0)],
      [counters(0, 0, 0), counters(0, 0, 0)],
      [counters(0, 0, 0), counters(0, 0, 0)],
      [counters(360, 60, 40), counters(300, 0, 0)],
      [counters(1360, 860, 820), counters(1300, 940, 840)],
      [counters(2360, 1840, 1800), counters(2300, 1600, 1500)],
    ];
    const changes = seconds.flatMap(([caller, agent], second) =>
      (['caller', 'agent'] as const).flatMap((track) =>
        judge.add(
          {
            ...sample({ track, codec: 'ulaw' }, second, track === 'caller' ? caller : agent),
            stalled: second === 2,
          },
          true,
        ),
      ),
    );
    expect(changes).toEqual([]);
  });

  it('judges nothing while the call is not live, and knows when every track has finished', () => {
    const judge = new CallAudioJudge(TIMES);
    const silent = { ...activity0(), signalMs: 0 };
    for (let second = 0; second < 20; second += 1) {
      expect(judge.add(sample({ track: 'agent', codec: 'ulaw' }, second, silent), false)).toEqual(
        [],
      );
    }
    expect(judge.finished).toBe(false);
    judge.add(sample({ track: 'agent', codec: 'ulaw' }, 20, silent, true), false);
    expect(judge.finished).toBe(true);
  });
});

function activity0(): StreamAudio {
  return {
    analysedMs: 1000,
    signalMs: 1000,
    speechMs: 0,
    clippedSamples: 0,
    dcOffset: 0,
    clipping: false,
  };
}
