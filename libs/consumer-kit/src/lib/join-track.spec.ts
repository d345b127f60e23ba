import { headers } from 'nats';
import { audioFrameHeaderEntries, AudioFrameMeta, audioSubject } from '@asb/contracts';
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
