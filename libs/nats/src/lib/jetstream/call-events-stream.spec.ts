import { connect, NatsConnection, nanos } from 'nats';
import { loadConfig, callEventsStreamEnv } from '@asb/config';
import { CALL_EVENT_MAX_BYTES, CALL_EVENTS_STREAM } from '@asb/contracts';
import {
  CALL_EVENT_STREAM_MAX_MSG_SIZE,
  callEventsStreamConfig,
  provisionCallEventsStream,
} from './call-events-stream';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

describe('provisionCallEventsStream (real NATS)', () => {
  let nc: NatsConnection;
  const identity = {
    name: `TEST_PROVISION_${process.pid}_${Date.now()}`,
    subjects: [`asbtest.${process.pid}.${Date.now()}.>`],
  };

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });

  afterAll(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(identity.name).catch(() => undefined);
    await nc.close();
  });

  it('creates the stream once, leaves it alone after, and updates changed limits', async () => {
    const jsm = await nc.jetstreamManager();
    const limits = loadConfig(callEventsStreamEnv, { env: {} });
    expect(await provisionCallEventsStream(jsm, limits, identity)).toBe('created');
    expect(await provisionCallEventsStream(jsm, limits, identity)).toBe('unchanged');
    expect(await provisionCallEventsStream(jsm, limits, identity)).toBe('unchanged');

    const shorter = loadConfig(callEventsStreamEnv, {
      env: { CALL_EVENTS_MAX_AGE_HOURS: '2', CALL_EVENTS_MAX_BYTES: String(64 * 1024 * 1024) },
    });
    expect(await provisionCallEventsStream(jsm, shorter, identity)).toBe('updated');
    const info = await jsm.streams.info(identity.name);
    expect(info.config.max_age).toBe(nanos(2 * 3600 * 1000));
    expect(info.config.max_bytes).toBe(64 * 1024 * 1024);
    expect(info.config.storage).toBe('file');
    expect(await provisionCallEventsStream(jsm, shorter, identity)).toBe('unchanged');
  });

  it('limits the message size, on an existing stream provisioned without a limit too', async () => {
    const jsm = await nc.jetstreamManager();
    const limits = loadConfig(callEventsStreamEnv, { env: {} });
    const unlimited = {
      name: `${identity.name}_SIZE`,
      subjects: [`asbsize.${process.pid}.${Date.now()}.>`],
    };
    const subject = unlimited.subjects[0].replace('>', 'x');
    try {
      const { max_msg_size: _none, ...older } = callEventsStreamConfig(limits, unlimited);
      await jsm.streams.add(older);
      expect(await provisionCallEventsStream(jsm, limits, unlimited)).toBe('updated');
      const { config } = await jsm.streams.info(unlimited.name);
      expect(config.max_msg_size).toBe(CALL_EVENT_STREAM_MAX_MSG_SIZE);
      expect(CALL_EVENT_STREAM_MAX_MSG_SIZE).toBeGreaterThan(CALL_EVENT_MAX_BYTES);
      expect(CALL_EVENT_STREAM_MAX_MSG_SIZE).toBeLessThanOrEqual(2 * CALL_EVENT_MAX_BYTES);

      const js = nc.jetstream();
      await js.publish(subject, new Uint8Array(CALL_EVENT_MAX_BYTES), { msgID: 'largest' });
      await expect(js.publish(subject, new Uint8Array(900 * 1024))).rejects.toThrow(
        /message size exceeds maximum/i,
      );
    } finally {
      await jsm.streams.delete(unlimited.name).catch(() => undefined);
    }
  });

  it('survives several replicas provisioning at the same moment', async () => {
    const jsm = await nc.jetstreamManager();
    const limits = loadConfig(callEventsStreamEnv, { env: {} });
    const racing = {
      name: `${identity.name}_RACE`,
      subjects: [`asbrace.${process.pid}.${Date.now()}.>`],
    };
    try {
      const outcomes = await Promise.all(
        [1, 2, 3, 4].map(() => provisionCallEventsStream(jsm, limits, racing)),
      );
      // NATS accepts an identical add as a no-op, so several may report 'created'; none may fail or update.
      expect(outcomes.every((o) => o === 'created' || o === 'unchanged')).toBe(true);
      expect((await jsm.streams.info(racing.name)).config.subjects).toEqual(racing.subjects);
    } finally {
      await jsm.streams.delete(racing.name).catch(() => undefined);
    }
  });

  it('describes the real stream as file storage capturing call.v1.>', () => {
    const config = callEventsStreamConfig(loadConfig(callEventsStreamEnv, { env: {} }));
    expect(config).toMatchObject({
      name: CALL_EVENTS_STREAM,
      subjects: ['call.v1.>'],
      storage: 'file',
    });
  });
});
