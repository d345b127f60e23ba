import { connect } from 'nats';
import { freePort, NatsTestServer } from './nats-test-server';

describe('NatsTestServer', () => {
  it('starts a private JetStream server that can be stopped and started again on its port', async () => {
    const server = new NatsTestServer(await freePort());
    try {
      await server.start();
      const nc = await connect({ servers: server.url, reconnect: false });
      const jsm = await nc.jetstreamManager();
      expect((await jsm.getAccountInfo()).streams).toBe(0);
      await nc.close();
      await server.stop();
      await expect(
        connect({ servers: server.url, reconnect: false, timeout: 300 }),
      ).rejects.toThrow();
      await server.start();
      await (await connect({ servers: server.url, reconnect: false })).close();
    } finally {
      await server.dispose();
    }
  });
});
