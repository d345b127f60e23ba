import { createServer, Server } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { freePort, eventually } from '@asb/testing';
import { AriEventStream } from './ari-event-stream';
import type { AriEvent } from './ari-model';

/** A stand-in for Asterisk's events endpoint: it records how clients ask and lets the test talk. */
function eventsServer(
  port: number,
): Promise<{ http: Server; sockets: WebSocket[]; urls: string[]; authorizations: string[] }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const sockets: WebSocket[] = [];
  const urls: string[] = [];
  const authorizations: string[] = [];
  wss.on('connection', (ws, req) => {
    urls.push(req.url ?? '');
    authorizations.push(req.headers.authorization ?? '');
    sockets.push(ws);
  });
  return new Promise((resolve) =>
    http.listen(port, '127.0.0.1', () => resolve({ http, sockets, urls, authorizations })),
  );
}

describe('AriEventStream', () => {
  it('reports failed attempts, connects when the server appears, and reconnects after a drop', async () => {
    const port = await freePort();
    const seen = {
      opens: 0,
      closes: 0,
      failures: 0,
      events: [] as AriEvent[],
      invalid: [] as string[],
    };
    const stream = new AriEventStream(
      {
        url: `http://127.0.0.1:${port}`,
        app: 'bridge',
        user: 'asterisk',
        password: 's3cret',
        reconnectMaxMs: 500,
      },
      {
        onOpen: () => (seen.opens += 1),
        onClose: () => (seen.closes += 1),
        onConnectFailed: () => (seen.failures += 1),
        onEvent: (event) => seen.events.push(event),
        onInvalid: (reason) => seen.invalid.push(reason),
      },
    );
    stream.start();
    await eventually(() => seen.failures >= 2, 5000, 'failed attempts while nothing listens');

    const server = await eventsServer(port);
    await eventually(() => seen.opens === 1, 5000, 'the first connect');
    expect(server.urls[0]).toBe('/ari/events?app=bridge');
    expect(server.authorizations[0]).toBe(
      `Basic ${Buffer.from('asterisk:s3cret').toString('base64')}`,
    );
    expect(stream.connected).toBe(true);

    const ws = server.sockets[0];
    ws.send(
      JSON.stringify({
        type: 'ChannelCreated',
        channel: { id: '1.1', name: 'SIP/a-1', state: 'Down' },
      }),
    );
    ws.send('not json');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await eventually(
      () => seen.events.length === 1 && seen.invalid.length === 2,
      3000,
      'the messages',
    );
    expect(seen.invalid).toEqual(['malformed_json', 'binary_message']);

    ws.terminate();
    await eventually(() => seen.closes === 1 && seen.opens === 2, 5000, 'the reconnect');
    stream.stop();
    server.http.closeAllConnections();
    await new Promise((resolve) => server.http.close(resolve));
  });
});
