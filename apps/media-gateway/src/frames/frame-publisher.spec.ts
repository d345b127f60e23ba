import { audioSubject } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
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
import { audioFrameStream, FramePublisher, MAX_BATCH_FRAMES } from './frame-publisher';

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
    const sentBeforeResume = sent;
    const lastSequence = () => frames.frames().at(-1)?.sequence ?? -1;
    await eventually(() => lastSequence() >= sentBeforeResume + 5, 5000, 'frames sent after');
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

describe('FramePublisher: batches', () => {
  let nats: TestNats;
  let client: NatsClient;
  let publisher: FramePublisher;

  beforeAll(async () => {
    nats = await TestNats.start();
    client = new NatsClient({ servers: nats.url });
    client.onModuleInit();
    await client.connected;
    publisher = new FramePublisher(client, new MetricsRegistry('test', false), {
      GATEWAY_MAX_PUBLISH_LAG_MS: 250,
    });
  });

  afterAll(async () => {
    publisher.beforeApplicationShutdown();
    await client.onApplicationShutdown();
    await nats.stop();
  });

  it('publishes within the event-loop turn once a batch is full, the rest at its end', async () => {
    const stream = audioFrameStream(uniqueCallId(), 'caller', 'ulaw', 8000, 20);
    const received = new FrameCollector(nats, stream.subject);
    await nats.nc.flush();
    const published = () => client.connection.stats().outMsgs;
    const before = published();
    const frames = MAX_BATCH_FRAMES + 10;
    for (let i = 0; i < frames; i += 1) {
      const offset = publisher.slab.reserve(160);
      publisher.enqueue(stream, publisher.slab.payload(offset, 160), i, i * 160);
    }
    // A turn that reads many datagrams does not hold their frames back until it ends.
    expect(published() - before).toBe(MAX_BATCH_FRAMES);
    await received.waitFor(frames);
    expect(published() - before).toBe(frames);
    expect(received.frames().map((frame) => frame.sequence)).toEqual(
      Array.from({ length: frames }, (_unused, i) => i),
    );
  });
});
