import { headers } from 'nats';
import {
  AUDIO_HEADERS,
  audioFrameHeaderEntries,
  AudioFrameMeta,
  audioSubject,
  RECENT_AUDIO_HEADERS,
  recentAudioSubject,
} from '@asb/contracts';
import { eventually, PrivateNats, uniqueCallId } from '@asb/testing';
import { JoinedFrame, joinTrack } from './join-track';
import { requestRecentAudio } from './recent-audio-request';

class TestNats extends PrivateNats {
  static async start(): Promise<TestNats> {
    const [server, nc] = await PrivateNats.launch();
    return new TestNats(server, nc);
  }
}

/** Publishes frame `index` of a track as a producer of audio.v1 does. */
function publishFrame(nats: TestNats, callId: string, index: number, body = new Uint8Array(320)) {
  const meta: AudioFrameMeta = {
    sequence: index,
    timestamp: index * 160,
    sampleRate: 8000,
    codec: 'ulaw',
    frameMs: 20,
    capturedAt: Date.now(),
    runId: 'run-1',
  };
  const h = headers();
  for (const [name, value] of audioFrameHeaderEntries(meta)) h.set(name, value);
  nats.nc.publish(audioSubject(callId, 'caller'), body, { headers: h });
}

describe('joinTrack without a gateway serving the track', () => {
  let nats: TestNats;

  beforeAll(async () => {
    nats = await TestNats.start();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  it('hears no responders at once', async () => {
    const startedAt = performance.now();
    const answer = await requestRecentAudio(nats.nc, uniqueCallId(), 'caller', { seconds: 5 });
    expect(answer).toEqual({ outcome: 'no_responders', frames: [] });
    expect(performance.now() - startedAt).toBeLessThan(2000);
  });

  it('goes on live, each frame once, and leaves out frames that break the contract', async () => {
    const callId = uniqueCallId();
    const track = await joinTrack(nats.nc, callId, 'caller', { recentSeconds: 10 });
    await expect(track.history).resolves.toEqual({ outcome: 'no_responders', frames: 0 });
    const received: JoinedFrame[] = [];
    const reading = (async () => {
      for await (const frame of track) received.push(frame);
    })();
    for (let index = 0; index < 5; index += 1) publishFrame(nats, callId, index);
    publishFrame(nats, callId, 4);
    publishFrame(nats, callId, 5, new Uint8Array(7));
    publishFrame(nats, callId, 6);
    await eventually(() => received.length === 6 && track.invalidFrames === 1, 5000, '6 frames');
    track.close();
    await reading;
    expect(received.map((frame) => [frame.timestamp, frame.fromHistory])).toEqual(
      [0, 1, 2, 3, 4, 6].map((index) => [index * 160, false]),
    );
  });

  it('refuses options the contract refuses before subscribing', async () => {
    await expect(
      joinTrack(nats.nc, uniqueCallId(), 'caller', { recentSeconds: 31 }),
    ).rejects.toThrow();
    await expect(
      requestRecentAudio(nats.nc, uniqueCallId(), 'caller', { seconds: -1 }),
    ).rejects.toThrow();
  });
});

describe('requestRecentAudio while a track is re-tapped', () => {
  let nats: TestNats;

  beforeAll(async () => {
    nats = await TestNats.start();
  });

  afterAll(async () => {
    await nats?.stop();
  });

  function frame(reply: string, runId: string, index: number): void {
    const h = headers();
    for (const [name, value] of audioFrameHeaderEntries({
      sequence: index,
      timestamp: index * 160,
      sampleRate: 8000,
      codec: 'ulaw',
      frameMs: 20,
      capturedAt: Date.now(),
      runId,
    })) {
      h.set(name, value);
    }
    nats.nc.publish(reply, new Uint8Array(320), { headers: h });
  }

  function end(reply: string, runId: string, count: number): void {
    const h = headers();
    h.set(RECENT_AUDIO_HEADERS.end, String(count));
    h.set(AUDIO_HEADERS.runId, runId);
    nats.nc.publish(reply, new Uint8Array(0), { headers: h });
  }

  it('takes the frames of one run where two gateways answer at once, never a mix', async () => {
    const callId = uniqueCallId();
    // The old and the new gateway of a track being re-tapped, their answers interleaved.
    const gateways = nats.nc.subscribe(recentAudioSubject(callId, 'caller'), {
      callback: (_error, message) => {
        const reply = message.reply as string;
        for (let index = 0; index < 5; index += 1) {
          frame(reply, 'run-old', index);
          frame(reply, 'run-new', index);
        }
        end(reply, 'run-new', 5);
        for (let index = 5; index < 30; index += 1) frame(reply, 'run-old', index);
        end(reply, 'run-old', 30);
      },
    });
    await nats.nc.flush();
    const answer = await requestRecentAudio(nats.nc, callId, 'caller');
    gateways.unsubscribe();
    expect(answer.outcome).toBe('answered');
    expect(answer.frames.map((f) => [f.runId, f.sequence])).toEqual(
      [0, 1, 2, 3, 4].map((index) => ['run-new', index]),
    );
  });
});
