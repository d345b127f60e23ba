import { connect } from 'node:net';
import { Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { eventually } from '@asb/testing';
import { AsteriskInstance, MediaPlane } from '../pbx/asterisk-instance';
import { AriServer } from './ari-server';

const media: MediaPlane = {
  allocateLocalPort: async () => ({ address: '127.0.0.1', port: 31000 }),
  releaseLocalPort: () => undefined,
  startStream: () => undefined,
  stopStream: () => undefined,
};

const AUTH = { authorization: `Basic ${Buffer.from('asterisk:secret').toString('base64')}` };

describe('AriServer over real HTTP and WebSocket', () => {
  let server: AriServer;
  let pbx: AsteriskInstance;
  let base: string;
  const sockets: WebSocket[] = [];

  async function startServer(sessionLimit = 100, keepAliveMs = 15_000): Promise<void> {
    pbx = new AsteriskInstance('pbx1', media);
    server = new AriServer(pbx, {
      host: '127.0.0.1',
      port: 0,
      credentials: { user: 'asterisk', password: 'secret' },
      wsWriteTimeoutMs: 100,
      sessionLimit,
      keepAliveMs,
    });
    await server.start();
    base = `http://127.0.0.1:${server.port}/ari`;
  }

  beforeEach(() => startServer());

  afterEach(async () => {
    sockets.forEach((ws) => ws.terminate());
    jest.restoreAllMocks();
    await server.stop();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  function events(
    app: string,
    query = '',
  ): Promise<{ ws: WebSocket; received: Array<Record<string, unknown>> }> {
    const ws = new WebSocket(
      `ws://127.0.0.1:${server.port}/ari/events?app=${app}&api_key=asterisk:secret${query}`,
    );
    sockets.push(ws);
    const received: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => received.push(JSON.parse(data.toString())));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, received }));
      ws.once('error', reject);
    });
  }

  it('asks for credentials on REST and on the events WebSocket', async () => {
    const anonymous = await fetch(`${base}/channels`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: 'Authentication required' });
    expect((await fetch(`${base}/channels?api_key=asterisk:wrong`)).status).toBe(401);
    expect((await fetch(`${base}/channels?api_key=asterisk:secret`)).status).toBe(200);
    const refused = new WebSocket(
      `ws://127.0.0.1:${server.port}/ari/events?app=x&api_key=asterisk:wrong`,
    );
    await expect(
      new Promise((resolve, reject) =>
        refused
          .once('unexpected-response', (_req, res) => resolve(res.statusCode))
          .once('open', reject),
      ),
    ).resolves.toBe(401);
  });

  it('serves the resource listing with a basePath on its own address', async () => {
    const listing = (await (await call('GET', '/api-docs/resources.json')).json()) as {
      basePath: string;
      apis: Array<{ path: string }>;
    };
    expect(listing.basePath).toBe(`http://127.0.0.1:${server.port}/ari`);
    expect(listing.apis.map((a) => a.path)).toEqual(
      expect.arrayContaining(['/api-docs/channels.{format}', '/api-docs/bridges.{format}']),
    );
    expect((await call('GET', '/api-docs/channels.json')).status).toBe(200);
    expect((await call('GET', '/api-docs/nonsense.json')).status).toBe(404);
  });

  it('answers bad requests with the codes Asterisk gives', async () => {
    const channel = pbx.createCallChannel({ name: 'SIP/carrier-1' });
    const expectStatus = async (response: Promise<Response>, status: number, message?: string) => {
      const res = await response;
      expect(res.status).toBe(status);
      if (message) expect(await res.json()).toEqual({ message });
    };
    await expectStatus(call('GET', '/channels/1.404'), 404, 'Channel not found');
    await expectStatus(
      call('POST', '/channels/1.404/snoop?spy=in&app=bridge'),
      404,
      'Provided channel was not found',
    );
    await expectStatus(
      call('POST', '/channels/externalMedia?app=bridge&external_host=localhost:9&format=ulaw'),
      500,
      'An internal error prevented this request from being handled',
    );
    await expectStatus(
      call('POST', '/channels/externalMedia?app=bridge&external_host=127.0.0.1:9&format=g729'),
      500,
    );
    await expectStatus(call('POST', '/bridges?type=mixing&bridgeId=b1'), 200);
    await expectStatus(call('POST', '/bridges?type=mixing&bridgeId=b1'), 500);
    await expectStatus(call('POST', '/bridges/b1/addChannel?channel=1.404'), 400);
    await expectStatus(
      call('POST', `/bridges/b1/addChannel?channel=${channel.id}`),
      422,
      'Channel not in Stasis application',
    );
    await expectStatus(call('POST', '/bridges/nope/addChannel?channel=1.1'), 404);
    await expectStatus(call('DELETE', '/bridges/b1'), 204);
    await expectStatus(call('GET', `/channels/${channel.id}/variable?variable=NOPE`), 404);
    await expectStatus(call('POST', `/channels/${channel.id}/variable?variable=X&value=1`), 204);
    expect(await (await call('GET', `/channels/${channel.id}/variable?variable=X`)).json()).toEqual(
      { value: '1' },
    );
    await expectStatus(
      call('PUT', '/applications/absent/eventFilter', '{"allowed": ['),
      400,
      'Error parsing request body',
    );
    await expectStatus(call('GET', '/no/such/resource'), 404);
  });

  it('streams an app its events after it subscribes, and lists it only while connected', async () => {
    const { ws, received } = await events('bridge');
    expect((await (await call('GET', '/applications')).json()) as unknown[]).toEqual([
      expect.objectContaining({ name: 'bridge' }),
    ]);
    await call('POST', '/applications/bridge/subscription?eventSource=channel:,bridge:');
    await call('PUT', '/applications/bridge/eventFilter', {
      filter: { allowed: [{ type: 'ChannelCreated' }, { type: 'ChannelDestroyed' }] },
    });
    const channel = pbx.createCallChannel({ name: 'SIP/carrier-2' });
    pbx.setState(channel, 'Up');
    pbx.hangup(channel.id, 16);
    await eventually(() => received.length === 2);
    expect(received.map((e) => e['type'])).toEqual(['ChannelCreated', 'ChannelDestroyed']);
    expect(received[1]).toMatchObject({
      application: 'bridge',
      cause: 16,
      cause_txt: 'Normal Clearing',
      asterisk_id: pbx.asteriskId,
    });
    ws.close();
    await eventually(() => !pbx.application('bridge').connected);
    expect(await (await call('GET', '/applications')).json()).toEqual([]);
  });

  it('keeps a disconnected app subscribed and queues its events until it unsubscribes', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { ws } = await events('bridge');
    await call('POST', '/applications/bridge/subscription?eventSource=channel:,bridge:');
    const notSubscribed = await call(
      'DELETE',
      '/applications/bridge/subscription?eventSource=endpoint:,bridge:x',
    );
    expect(notSubscribed.status).toBe(422);
    expect(await notSubscribed.json()).toEqual({ message: 'Event source was not subscribed to' });
    ws.close();
    await eventually(() => !pbx.application('bridge').connected);

    expect(await (await call('GET', '/applications')).json()).toEqual([]);
    expect(pbx.lingeringApps().map((app) => [app.name, app.subscriptions])).toEqual([
      ['bridge', ['channel:', 'bridge:']],
    ]);
    const channel = pbx.createCallChannel({ name: 'SIP/carrier-5' });
    for (let i = 0; i < 600; i += 1) pbx.setVariable(channel.id, 'N', String(i));
    expect(pbx.application('bridge').queuedEvents).toBe(601);
    expect(warnings.mock.calls.map(([message]) => message)).toContain(
      "WARNING taskprocessor.c: The 'stasis/m:ari:application/bridge' task processor queue reached 500 scheduled tasks.",
    );

    const unsubscribed = await call(
      'DELETE',
      '/applications/bridge/subscription?eventSource=channel:,bridge:',
    );
    expect(unsubscribed.status).toBe(200);
    expect(await unsubscribed.json()).toMatchObject({ name: 'bridge', channel_ids: [] });
    expect(pbx.apps.has('bridge')).toBe(false);
    pbx.setVariable(channel.id, 'N', 'after');
    const gone = await call('DELETE', '/applications/bridge/subscription?eventSource=channel:');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ message: 'Application not found' });
  });

  it('closes connections over the session limit unanswered; idle keep-alive ones and WebSockets count', async () => {
    await server.stop();
    await startServer(3, 500);
    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await events('bridge');
    /** One GET on a fresh connection, which stays open afterwards as a keep-alive client leaves it. */
    const keepAliveRequest = () =>
      new Promise<{ answer: string; closed: Promise<void> }>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () =>
          socket.write(
            `GET /ari/channels HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH.authorization}\r\n\r\n`,
          ),
        );
        let answer = '';
        const closed = new Promise<void>((done) => socket.once('close', () => done()));
        socket.on('error', () => undefined);
        socket.on('data', (chunk) => {
          answer += chunk.toString();
          if (answer.endsWith('[]')) resolve({ answer, closed });
        });
        void closed.then(() => resolve({ answer, closed }));
      });
    const idle = await Promise.all([keepAliveRequest(), keepAliveRequest()]);
    expect(idle.map((r) => r.answer.split('\r\n')[0])).toEqual([
      'HTTP/1.1 200 OK',
      'HTTP/1.1 200 OK',
    ]);
    expect(server.httpSessions).toBe(3);

    const refused = await keepAliveRequest();
    expect(refused.answer).toBe('');
    expect(server.httpSessionsRefused).toBe(1);
    expect(warnings.mock.calls.map(([message]) => message)).toContain(
      'WARNING http.c: HTTP session count exceeded 3 sessions.',
    );

    // The idle keep-alive connections close after the keep-alive time; the WebSocket stays.
    await Promise.all(idle.map((r) => r.closed));
    await eventually(() => server.httpSessions === 1);
    expect((await call('GET', '/channels')).status).toBe(200);
    expect(server.httpSessionsRefused).toBe(1);
  });

  it('drops a client that stops reading, as Asterisk does after its write timeout', async () => {
    const { ws } = await events('bridge', '&subscribeAll=true');
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const channel = pbx.createCallChannel({ name: 'SIP/carrier-3' });
    const big = 'x'.repeat(4096);
    for (let i = 0; i < 8000 && pbx.apps.has('bridge'); i += 1) {
      pbx.setVariable(channel.id, 'PAD', big);
      if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await eventually(() => !pbx.apps.has('bridge'), 5000);
  });

  it('injects failing and slow replies, and abrupt WebSocket drops that leave channels alive', async () => {
    pbx.faults = { ...pbx.faults, restFailureRate: 1 };
    expect((await call('GET', '/channels')).status).toBe(500);
    pbx.faults = { ...pbx.faults, restFailureRate: 0, restDelayMs: 150 };
    const started = Date.now();
    expect((await call('GET', '/channels')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    pbx.faults = { ...pbx.faults, restDelayMs: 0 };

    const { ws } = await events('bridge');
    const closed = new Promise((resolve) => ws.once('close', resolve));
    const channel = pbx.createCallChannel({ name: 'SIP/carrier-4' });
    pbx.snoop(channel.id, { spy: 'in', app: 'bridge', snoopId: 'survivor' });
    await eventually(() => pbx.channels.get('survivor')?.stasisApp === 'bridge');
    expect(server.events.dropAll()).toBe(1);
    await closed;
    expect(pbx.channels.has('survivor')).toBe(true);
  });
});
