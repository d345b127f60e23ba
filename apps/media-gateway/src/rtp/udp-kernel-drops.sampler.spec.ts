import { Worker } from 'node:worker_threads';
import {
  eventually,
  startGateway,
  TestGateway,
  TestNats,
  uniqueCallId,
} from '../__tests__/gateway-harness';

/**
 * Sends `count` datagrams to the port from another thread, then raises the flag: the main thread
 * can wait for it without running its event loop, as a gateway that has fallen behind does.
 */
const FLOOD = `
const { createSocket } = require('node:dgram');
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
const socket = createSocket('udp4');
let sent = 0;
const packet = Buffer.alloc(172, 0x80);
const next = () => {
  if (sent === workerData.count) {
    socket.close();
    Atomics.store(flag, 0, 1);
    return;
  }
  sent += 1;
  socket.send(packet, workerData.port, '127.0.0.1', next);
};
next();
`;

describe('UdpKernelDropsSampler: what the kernel drops, counted', () => {
  let nats: TestNats;
  let gateway: TestGateway;

  beforeAll(async () => {
    nats = await TestNats.start();
    gateway = await startGateway(nats, {
      GATEWAY_UDP_RECV_BUFFER_BYTES: '4096',
      GATEWAY_KERNEL_DROPS_INTERVAL_MS: '200',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await nats?.stop();
  });

  it('counts the datagrams dropped while the gateway could not read its sockets', async () => {
    const reply = await nats.allocate({
      callId: uniqueCallId(),
      track: 'caller',
      codec: 'ulaw',
      server: 'pbx1',
      sources: ['127.0.0.1'],
    });
    if (!reply.ok) throw new Error(reply.error);
    const flag = new SharedArrayBuffer(4);
    const worker = new Worker(FLOOD, {
      eval: true,
      workerData: { port: reply.port, count: 2000, flag },
    });
    // Blocked until the flood has been sent: a small receive buffer holds a few dozen packets.
    const blockedUntil = Date.now() + 20_000;
    while (Atomics.load(new Int32Array(flag), 0) === 0 && Date.now() < blockedUntil);
    await worker.terminate();
    await eventually(
      async () => (await gateway.metric('media_gateway_udp_kernel_drops_total')) > 1000,
      10_000,
      'the kernel drops to be counted',
    );
  });
});
