import { connect, NatsConnection } from 'nats';
import { AudioTrack, audioSubject } from '@asb/contracts';
import { JoinedFrame, JoinedTrack, joinTrack } from '@asb/consumer-kit';
import { correlation } from '@asb/rtp';
import { loopedFixture } from './support/audio-alignment';
import { BridgeStack } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';
import { NATS_URL } from './support/workspace';

const TRACKS: AudioTrack[] = ['caller', 'agent'];

function samplesOf(frames: JoinedFrame[]): Int16Array {
  const out = new Int16Array(frames.reduce((sum, frame) => sum + frame.pcm.byteLength / 2, 0));
  let offset = 0;
  for (const frame of frames) {
    Buffer.from(out.buffer, offset * 2).set(frame.pcm);
    offset += frame.pcm.byteLength / 2;
  }
  return out;
}

describe('joining a call late: recent audio from the gateway, then live, no gap and no duplicate', () => {
  const stack = new BridgeStack({ servers: ['pbx1'] });
  const recorders = new NatsRecorders();
  let nc: NatsConnection;

  beforeAll(async () => {
    await recorders.start();
    await stack.start();
    nc = await connect({ servers: NATS_URL });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await recorders.stop();
    await stack.stop();
    stack.kill();
  });

  it('a consumer that joins 5 s into a call asking for 10 s gets it from the start, then live', async () => {
    const scenario = await stack.startScenario({
      totalCalls: 1,
      concurrency: 1,
      arrivalRate: 1,
      ringMs: { min: 200, max: 300 },
      talkMs: { min: 12_000, max: 12_000 },
      answerRatio: 1,
      agentHangupRatio: 0,
      mix: { outbound: 1 },
      seed: 18,
    });
    // The stack's only call: its id from its first tap (the scenario names it only once over).
    await recorders.waitFor(
      () => recorders.events.some((event) => event.event === 'tap_started'),
      30_000,
      'the call to be tapped',
    );
    const callId = recorders.events.find((event) => event.event === 'tap_started')?.callId ?? '';
    const subject = (track: AudioTrack) => audioSubject(callId, track);

    // 5 s of the call's audio published before anyone joins.
    await recorders.waitFor(
      () => TRACKS.every((track) => (recorders.audio.get(subject(track))?.frames ?? 0) >= 250),
      30_000,
      '5 s of audio on both tracks',
    );
    const joined = new Map<AudioTrack, { track: JoinedTrack; frames: JoinedFrame[] }>();
    for (const track of TRACKS) {
      joined.set(track, {
        track: await joinTrack(nc, callId, track, { recentSeconds: 10 }),
        frames: [],
      });
    }
    const reading = [...joined.values()].map(async (join) => {
      for await (const frame of join.track) join.frames.push(frame);
    });
    await stack.finishScenario(scenario, 60_000);
    await recorders.waitFor(
      () => recorders.eventsOf(callId).some((event) => event.event === 'ended'),
      20_000,
      'the call to end',
    );
    // Everything the recorder got has reached the joined consumer too.
    await recorders.waitFor(
      () =>
        TRACKS.every((track) => {
          const recorded = recorders.audio.get(subject(track));
          const frames = joined.get(track)?.frames ?? [];
          return frames.at(-1)?.timestamp === recorded?.timestamps.at(-1);
        }),
      10_000,
      'the last frames joined',
    );
    for (const join of joined.values()) join.track.close();
    await Promise.all(reading);

    for (const track of TRACKS) {
      const { track: joinedTrack, frames } = joined.get(track) as {
        track: JoinedTrack;
        frames: JoinedFrame[];
      };
      const recorded = recorders.audio.get(subject(track));
      if (!recorded) throw new Error(`no audio recorded on ${subject(track)}`);
      const history = await joinedTrack.history;
      expect({ track, outcome: history.outcome }).toEqual({ track, outcome: 'answered' });
      // Less than the 10 s asked for had passed: the history reaches back to the tap's start.
      expect({ track, historyFrames: history.frames >= 250 }).toEqual({
        track,
        historyFrames: true,
      });
      const fromHistory = frames.filter((frame) => frame.fromHistory);
      expect(fromHistory).toHaveLength(history.frames);
      expect(frames.slice(0, history.frames).every((frame) => frame.fromHistory)).toBe(true);
      expect(frames.length).toBeGreaterThan(history.frames + 100);
      // The seam: the first live frame is the next one after the last of the history.
      const seam = frames[history.frames];
      const lastHistory = frames[history.frames - 1];
      expect(seam.runId).toBe(lastHistory.runId);
      expect(seam.timestamp - lastHistory.timestamp).toBe(160);
      // No gap and no duplicate anywhere: exactly the frames the gateway published, from the first.
      expect({ track, timestamps: frames.map((frame) => frame.timestamp) }).toEqual({
        track,
        timestamps: recorded.timestamps,
      });
      const samples = samplesOf(frames);
      expect(samples).toEqual(recorders.samples(subject(track)));
      // And it is the simulator's speech, from the tap's first sample.
      expect({
        track,
        matches: correlation(samples, loopedFixture(track, samples.length)) > 0.95,
      }).toEqual({ track, matches: true });
    }
  }, 120_000);
});
