import { audioSubject } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import {
  blockEventLoop,
  eventually,
  FrameCollector,
  RtpTestSender,
  RtpWorkerSender,
  saturateEventLoop,
  sleep,
  startGateway,
  TestGateway,
  TestNats,
  testSamples,
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

describe('FramePublisher: the lag guard', () => {
  let nats: TestNats;
  let gateway: TestGateway;
  let sender: RtpWorkerSender | undefined;

  beforeAll(async () => {
    nats = await TestNats.start();
    gateway = await startGateway(nats, { GATEWAY_MAX_PUBLISH_LAG_MS: '100' });
  });

  afterAll(async () => {
    await sender?.stop();
    nats.resume();
    await gateway.close();
    await nats.stop();
  });

  const lag = () => gateway.metric('media_gateway_nats_lag_ms');

  it('shows on the lag gauge how long a PING has gone unanswered', async () => {
    await eventually(async () => (await lag()) < 100, 3000, 'a healthy round trip');
    const pausedAt = performance.now();
    nats.pause();
    try {
      await eventually(async () => (await lag()) > 1000, 3000, 'a lag over 1 s');
      expect(performance.now() - pausedAt).toBeLessThan(2500);
    } finally {
      nats.resume();
    }
    await eventually(async () => (await lag()) < 100, 5000, 'the lag back to normal');
  });

  it('still sees NATS fall behind while its own event loop is busy all the time', async () => {
    await eventually(async () => (await lag()) < 100, 3000, 'a healthy round trip');
    const stopSaturating = saturateEventLoop(40);
    nats.pause();
    try {
      await eventually(async () => (await lag()) > 1000, 3000, 'a lag over 1 s on a busy loop');
    } finally {
      stopSaturating();
      nats.resume();
    }
    await eventually(async () => (await lag()) < 100, 5000, 'the lag back to normal');
  });

  it('does not take the time its own event loop was blocked for NATS lag', async () => {
    const callId = uniqueCallId();
    const reply = await nats.allocate({ callId, track: 'caller', codec: 'ulaw', server: 'pbx1' });
    if (!reply.ok) throw new Error(reply.error);
    const frames = new FrameCollector(nats, audioSubject(callId, 'caller'));
    await nats.nc.flush();
    const packer = await RtpTestSender.open(reply.port, 'ulaw');
    const packets = Array.from({ length: 150 }, (_unused, sequence) =>
      packer.packet({ sequence }, testSamples(sequence, 160, 8000)),
    );
    packer.close();
    const backlogDrops = () =>
      gateway.metric('media_gateway_frames_dropped_total', { reason: 'nats_backlog' });
    const dropsBefore = await backlogDrops();

    const started = RtpWorkerSender.start(reply.port, packets);
    sender = started.sender;
    await frames.waitFor(5);
    // Packets keep coming from the worker while the loop is held; each hold ends in the check
    // phase just before the publisher's flush, after a PING went out at the start of the turn.
    for (let hold = 0; hold < 8; hold += 1) {
      blockEventLoop(300);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await started.done;
    await eventually(
      async () => frames.count + (await backlogDrops()) - dropsBefore >= packets.length,
      5000,
      'every frame published or dropped',
    );
    expect((await backlogDrops()) - dropsBefore).toBe(0);
    expect(frames.count).toBe(packets.length);
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
    const stream = audioFrameStream(uniqueCallId(), 'caller', 'ulaw', 8000, 20, 'run-1');
    const received = new FrameCollector(nats, stream.subject);
    await nats.nc.flush();
    const published = () => client.connection.stats().outMsgs;
    const before = published();
    const frames = MAX_BATCH_FRAMES + 10;
    for (let i = 0; i < frames; i += 1) {
      const offset = publisher.slab.reserve(160);
      publisher.enqueue(
        stream,
        publisher.slab.payload(offset, 160),
        i,
        i * 160,
        1_000_000 + i * 20,
      );
    }
    // A turn that reads many datagrams does not hold their frames back until it ends.
    expect(published() - before).toBe(MAX_BATCH_FRAMES);
    await received.waitFor(frames);
    expect(published() - before).toBe(frames);
    expect(received.frames().map((frame) => frame.sequence)).toEqual(
      Array.from({ length: frames }, (_unused, i) => i),
    );
    expect(received.frames()[3]).toMatchObject({ capturedAt: 1_000_060, runId: 'run-1' });
  });
});
