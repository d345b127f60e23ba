import { createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import { BlackholeProxy } from './blackhole-proxy';
import { eventually, sleep } from './eventually';
import { POSTGRES_ADMIN_URL } from './test-database';

/** What one client socket saw: bytes, and whether the connection ended or failed. */
class Observed {
  data = '';
  ended = false;
  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.data += chunk.toString()));
    socket.on('close', () => (this.ended = true));
    socket.on('error', () => (this.ended = true));
  }
}

async function connectTo(port: number): Promise<Observed> {
  const socket = new Socket();
  const observed = new Observed(socket);
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  return observed;
}

describe('BlackholeProxy', () => {
  let echo: Server;
  let proxy: BlackholeProxy;
  /** Every connection the echo server accepted, to write to clients from the far end. */
  const accepted: Observed[] = [];

  beforeEach(async () => {
    accepted.length = 0;
    echo = createServer((socket) => {
      accepted.push(new Observed(socket));
      socket.on('data', (chunk) => socket.write(chunk));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await new BlackholeProxy((echo.address() as { port: number }).port).start();
  });

  afterEach(async () => {
    await proxy.stop();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('forwards both ways until holed, then forwards nothing and closes nothing until resumed', async () => {
    const client = await connectTo(proxy.port);
    client.socket.write('one');
    await eventually(() => client.data === 'one');

    proxy.blackhole();
    client.socket.write('two');
    await eventually(() => accepted.length === 1);
    accepted[0].socket.write('from the far end');
    await sleep(300);
    expect(client.data).toBe('one');
    expect(accepted[0].data).toBe('one');
    expect([client.ended, accepted[0].ended]).toEqual([false, false]);

    proxy.resume();
    await eventually(() => client.data === 'onefrom the far endtwo');
    expect(accepted[0].data).toBe('onetwo');
    client.socket.destroy();
  });

  it('holds new connections open and silent while holed', async () => {
    proxy.blackhole();
    const client = await connectTo(proxy.port);
    client.socket.write('hello');
    await sleep(300);
    expect([client.data, client.ended]).toEqual(['', false]);
    proxy.resume();
    await eventually(() => client.data === 'hello');
    client.socket.destroy();
  });

  it('passes a close on only when forwarding resumes', async () => {
    const client = await connectTo(proxy.port);
    await eventually(() => accepted.length === 1);
    proxy.blackhole();
    client.socket.destroy();
    await sleep(300);
    expect(accepted[0].ended).toBe(false);
    proxy.resume();
    await eventually(() => accepted[0].ended);
    expect(proxy.connections).toBe(0);
  });

  it('stalls a PostgreSQL query without an error and lets it finish on resume', async () => {
    const admin = new URL(POSTGRES_ADMIN_URL);
    const pgProxy = await new BlackholeProxy(Number(admin.port || 5432), admin.hostname).start();
    const url = new URL(POSTGRES_ADMIN_URL);
    url.port = String(pgProxy.port);
    const client = new Client({ connectionString: url.toString() });
    try {
      await client.connect();
      pgProxy.blackhole();
      let settled = false;
      const query = client.query('SELECT 42 AS answer').finally(() => (settled = true));
      await sleep(500);
      expect(settled).toBe(false);
      pgProxy.resume();
      expect((await query).rows).toEqual([{ answer: 42 }]);
    } finally {
      await client.end().catch(() => undefined);
      await pgProxy.stop();
    }
  });
});
