import { audioSubject } from '@asb/contracts';
import {
  eventually,
  FrameCollector,
  RtpTestSender,
  sleep,
  startGateway,
  TestGateway,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

describe('FramePublisher: a NATS server that falls behind', () => {
  let nats: TestNats;
  let gateway: TestGateway;
  let sender: RtpTestSender | undefined;

  beforeAll(async () => {
    nats = await TestNats.start();
    gateway = await startGateway(nats, { GATEWAY_MAX_PUBLISH_LAG_MS: '100' });
  });

  afterAll(async () => {
    sender?.close();
    nats.resume();
    await gateway.close();
    await nats.stop();
  });

  it('drops and counts frames while NATS is further behind than the limit, then publishes again', async () => {
    const callId = uniqueCallId();
    const reply = await nats.allocate({ callId, track: 'caller', codec: 'ulaw', server: 'pbx1' });
    if (!reply.ok) throw new Error(reply.error);
    const frames = new FrameCollector(nats, audioSubject(callId, 'caller'));
    await nats.nc.flush();
    sender = await RtpTestSender.open(reply.port, 'ulaw');
    const stream = sender;
    let sent = 0;
    const sending = setInterval(() => void stream.sendFrame(sent++), 20);
    const backlogDrops = () =>
      gateway.metric('media_gateway_frames_dropped_total', { reason: 'nats_backlog' });

    await frames.waitFor(10);
    expect(await backlogDrops()).toBe(0);
    nats.pause();
    await sleep(1000);
    // About 50 frames came while the server was frozen; those after the first 100 ms are dropped.
    const droppedWhilePaused = await backlogDrops();
    nats.resume();
    await eventually(() => frames.count > sent - droppedWhilePaused - 5, 5000, 'frames again');
    clearInterval(sending);
    await sleep(200);

    expect(droppedWhilePaused).toBeGreaterThanOrEqual(30);
    expect(droppedWhilePaused).toBeLessThanOrEqual(50);
    const dropped = await backlogDrops();
    // Every frame either reached the subscriber or was counted as dropped.
    expect(frames.count + dropped).toBe(sent);
    // The subscriber sees the drop as a jump in sequence, not as late audio.
    const sequences = frames.frames().map((frame) => frame.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(sequences[sequences.length - 1]).toBe(sent - 1);
  });
});
