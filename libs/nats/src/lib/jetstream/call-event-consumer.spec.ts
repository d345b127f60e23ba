import { Test } from '@nestjs/testing';
import { INestApplicationContext } from '@nestjs/common';
import { JsMsg } from 'nats';
import { loadConfig, natsEnv, callEventsStreamEnv } from '@asb/config';
import { freePort, NatsTestServer } from '@asb/testing';
import { CallEvent, ContractViolation, deterministicEventId, randomEventId } from '@asb/contracts';
import { NatsModule } from '../nats.module';
import { NatsClient } from '../connection/nats-client';
import { CallEventPublisher } from './call-event-publisher';
import { consumeCallEvents, CallEventConsumerHandle } from './call-event-consumer';
import { provisionCallEventsStream } from './call-events-stream';

function endedEvent(callId: string, n: number): CallEvent {
  return {
    schemaVersion: 1,
    eventId: deterministicEventId(callId, 'ended', n),
    occurredAt: new Date().toISOString(),
    callId,
    server: 'pbx1',
    channelId: `1732451234.${n}`,
    channelName: `SIP/carrier-${n}`,
    event: 'ended',
    cause: 16,
    causeText: 'Normal Clearing',
  };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('call events through JetStream (real NATS)', () => {
  let app: INestApplicationContext;
  let nats: NatsClient;
  let publisher: CallEventPublisher;
  const handles: CallEventConsumerHandle[] = [];
  const callId = `test-${process.pid}-${Date.now()}`;
  const durable = `test_${process.pid}_${Date.now()}`;

  // A private server: the stream and its consumers are this file's alone.
  let server: NatsTestServer;

  beforeAll(async () => {
    server = new NatsTestServer(await freePort());
    await server.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        NatsModule.forRoot({
          env: loadConfig(natsEnv, { env: { NATS_SERVERS: server.url } }),
          connectionName: 'nats-lib-test',
        }),
      ],
    }).compile();
    app = await moduleRef.init();
    nats = app.get(NatsClient);
    publisher = app.get(CallEventPublisher);
    await nats.connected;
    await provisionCallEventsStream(
      await nats.jetstreamManager(),
      loadConfig(callEventsStreamEnv, { env: {} }),
    );
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await app?.close();
    await server?.dispose();
  });

  const consume = async (
    name: string,
    received: CallEvent[],
    extra: Partial<Parameters<typeof consumeCallEvents>[1]> = {},
  ) => {
    const handle = await consumeCallEvents(nats.connection, {
      durable: name,
      filterSubject: `call.v1.${callId}.>`,
      handle: async (event) => {
        received.push(event);
      },
      onInvalid: () => undefined,
      ...extra,
    });
    handles.push(handle);
    return handle;
  };

  it('drops a repeated eventId at the stream', async () => {
    const event = endedEvent(`${callId}-dup`, 1);
    const first = await publisher.publish(event);
    const again = await publisher.publish(event);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
  });

  it('resumes a durable consumer after a restart without losing or repeating events', async () => {
    for (const n of [1, 2, 3]) await publisher.publish(endedEvent(callId, n));
    const firstRun: CallEvent[] = [];
    const handle = await consume(durable, firstRun);
    await waitFor(() => firstRun.length === 3);
    await handle.stop();

    for (const n of [4, 5]) await publisher.publish(endedEvent(callId, n));
    const secondRun: CallEvent[] = [];
    await consume(durable, secondRun);
    await waitFor(() => secondRun.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(firstRun.map((e) => e.channelId)).toEqual([
      '1732451234.1',
      '1732451234.2',
      '1732451234.3',
    ]);
    expect(secondRun.map((e) => e.channelId)).toEqual(['1732451234.4', '1732451234.5']);
  });

  it('parks a malformed message once instead of redelivering it', async () => {
    const poison: Array<[JsMsg, ContractViolation]> = [];
    const received: CallEvent[] = [];
    await consume(`${durable}_poison`, received, {
      filterSubject: `call.v1.${callId}-poison.>`,
      onInvalid: (message, violation) => {
        poison.push([message, violation]);
      },
      ackWaitMs: 1000,
    });
    await nats
      .jetstream()
      .publish(`call.v1.${callId}-poison.ended`, new TextEncoder().encode('{"not":"an event"}'), {
        msgID: randomEventId(),
      });
    await publisher.publish(endedEvent(`${callId}-poison`, 9));
    await waitFor(() => received.length === 1 && poison.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(poison).toHaveLength(1);
    expect(poison[0][1].reason).toBe('invalid_payload');
  });

  it('redelivers an event whose handler failed, after a backoff', async () => {
    let attempts = 0;
    const handled: CallEvent[] = [];
    await consume(`${durable}_retry`, [], {
      filterSubject: `call.v1.${callId}-retry.>`,
      retryDelaysMs: [50],
      handle: async (event) => {
        attempts += 1;
        if (attempts < 3) throw new Error('database down');
        handled.push(event);
      },
    });
    await publisher.publish(endedEvent(`${callId}-retry`, 1));
    await waitFor(() => handled.length === 1);
    expect(attempts).toBe(3);
  });
});
