import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MetricsRegistry } from '@asb/observability';
import { eventually } from '@asb/testing';
import { AriRequestFailed } from './ari-request-failed.error';
import { AriHttpOptions, AriRestClient } from './ari-rest.client';
import { AriRestMetrics } from './ari-rest.metrics';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A stand-in for Asterisk's HTTP server on a real socket: it answers /asterisk/info, hands every
 * other request to the test, and, like Asterisk beyond its sessionlimit, closes connections over
 * `sessionLimit` before reading them. It records the most connections and requests open at once.
 */
class FakeAsterisk {
  readonly http: Server;
  handler: Handler = (_req, res) => res.end('[]');
  connections = 0;
  peakConnections = 0;
  requests = 0;
  peakRequests = 0;
  refused = 0;
  private readonly sockets = new Set<Socket>();

  constructor(sessionLimit: number) {
    this.http = createServer((req, res) => {
      this.requests += 1;
      this.peakRequests = Math.max(this.peakRequests, this.requests);
      res.once('close', () => (this.requests -= 1));
      if (req.url === '/ari/asterisk/info') res.end('{"system":{"version":"fake"}}');
      else this.handler(req, res);
    });
    this.http.maxConnections = sessionLimit;
    this.http.on('drop', () => (this.refused += 1));
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.connections += 1;
      this.peakConnections = Math.max(this.peakConnections, this.connections);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.connections -= 1;
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.http.close(resolve));
  }
}

function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: AriRequestFailed }> {
  return promise.then(
    (value) => ({ value }),
    (error: AriRequestFailed) => ({ error }),
  );
}

describe('AriRestClient against a real HTTP server', () => {
  let asterisk: FakeAsterisk;
  let client: AriRestClient | undefined;
  let metrics: MetricsRegistry;

  async function connect(
    sessionLimit: number,
    options: Partial<AriHttpOptions> = {},
  ): Promise<AriRestClient> {
    asterisk = new FakeAsterisk(sessionLimit);
    const url = await asterisk.start();
    metrics = new MetricsRegistry('ari-rest-client-spec', false);
    client = await AriRestClient.connect({ name: 'pbx1', url }, 'asterisk', 'secret', {
      connections: 16,
      keepAliveMs: 4000,
      requestTimeoutMs: 5000,
      retries: 2,
      metrics: new AriRestMetrics(metrics),
      ...options,
    });
    return client;
  }

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return values
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  }

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await asterisk.stop();
  });

  it('settles 300 concurrent requests within the timeout when the server closes connections unanswered', async () => {
    // Fewer sessions than our pool: the connections over it are closed without an answer.
    const rest = await connect(10, { connections: 16, requestTimeoutMs: 3000 });
    asterisk.handler = (_req, res) => setImmediate(() => res.end('[]'));
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 300 }, () => settled(rest.listChannels())),
    );
    const elapsed = Date.now() - started;

    expect(asterisk.refused).toBeGreaterThan(0);
    expect(results).toHaveLength(300);
    expect(elapsed).toBeLessThan(3000 + 1000);
    const answered = results.filter((r) => r.value !== undefined).length;
    const unanswered = results.filter((r) => r.error?.status === undefined && r.error).length;
    expect(answered + unanswered).toBe(300);
    expect(answered).toBeGreaterThan(0);
    expect(await metric('ari_ingest_ari_request_retries_total')).toBeGreaterThan(0);
    expect(await metric('ari_ingest_ari_requests_in_flight')).toBe(0);
  });

  it('never opens more connections or sends more requests at once than its cap', async () => {
    const rest = await connect(100, { connections: 16 });
    asterisk.handler = (_req, res) => setTimeout(() => res.end('[]'), 20);
    const results = await Promise.all(Array.from({ length: 300 }, () => rest.listBridges()));

    expect(results).toHaveLength(300);
    expect(asterisk.refused).toBe(0);
    expect(asterisk.peakConnections).toBeLessThanOrEqual(16);
    expect(asterisk.peakRequests).toBeLessThanOrEqual(16);
    expect(await metric('ari_ingest_ari_requests_total', { outcome: 'ok' })).toBe(301);
  });

  it('retries a 5xx with backoff, then gives up with the status', async () => {
    const rest = await connect(100);
    const attempts = new Map<string, number>();
    asterisk.handler = (req, res) => {
      const path = req.url ?? '';
      const count = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, count);
      const failing = path.includes('always') || count === 1;
      res.statusCode = failing ? 500 : 200;
      res.end(
        failing
          ? '{"message":"An internal error prevented this request from being handled"}'
          : '{"id":"c1"}',
      );
    };

    await expect(rest.getChannel('once')).resolves.toEqual({ id: 'c1' });
    const failure = await settled(rest.getChannel('always'));
    expect(failure.error).toBeInstanceOf(AriRequestFailed);
    expect(failure.error?.status).toBe(500);
    expect(failure.error?.message).toBe(
      'channels.get: An internal error prevented this request from being handled',
    );
    expect(attempts.get('/ari/channels/always')).toBe(3);
    expect(await metric('ari_ingest_ari_request_retries_total')).toBe(3);
    expect(
      await metric('ari_ingest_ari_requests_total', {
        operation: 'channels.get',
        outcome: 'server_error',
      }),
    ).toBe(1);
  });

  it('does not retry a 4xx and reports it with its real status', async () => {
    const rest = await connect(100);
    let requests = 0;
    asterisk.handler = (req, res) => {
      requests += 1;
      res.statusCode = req.url?.includes('addChannel') ? 422 : 404;
      res.end(
        JSON.stringify({
          message:
            res.statusCode === 422 ? 'Channel not in Stasis application' : 'Channel not found',
        }),
      );
    };
    const missing = await settled(rest.getChannel('1.404'));
    expect(missing.error?.notFound).toBe(true);
    const early = await settled(rest.addChannels('b1', ['s1', 'e1']));
    expect(early.error?.notInStasis).toBe(true);
    expect(requests).toBe(2);
  });

  it('gives up on a server that never answers after the request timeout', async () => {
    const rest = await connect(100, { requestTimeoutMs: 300 });
    asterisk.handler = () => undefined;
    const started = Date.now();
    const result = await settled(rest.hangup('1.1'));
    expect(result.error?.message).toBe('channels.hangup: no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await metric('ari_ingest_ari_request_timeouts_total')).toBe(1);
  });

  it('unsubscribes on a connection of its own, not behind a backlog of requests', async () => {
    const rest = await connect(100, { connections: 2, requestTimeoutMs: 2000 });
    const held: ServerResponse[] = [];
    let holding = true;
    asterisk.handler = (req, res) => {
      if (req.method === 'DELETE' || !holding) res.end(req.method === 'DELETE' ? '{}' : '[]');
      else held.push(res);
    };
    const backlog = Array.from({ length: 10 }, () => settled(rest.listChannels()));
    await eventually(() => held.length === 2);
    const started = Date.now();
    await rest.unsubscribeFromAll('bridge');
    expect(Date.now() - started).toBeLessThan(1000);
    holding = false;
    for (const res of held) res.end('[]');
    expect((await Promise.all(backlog)).every((r) => r.value !== undefined)).toBe(true);
  });

  it('lets setups pass a backlog of deletions: these hold at most half of the connections', async () => {
    const rest = await connect(100, { connections: 4, requestTimeoutMs: 5000 });
    const held: ServerResponse[] = [];
    asterisk.handler = (req, res) => {
      if (req.method === 'DELETE') held.push(res);
      else res.end('{}');
    };
    const deletions = Array.from({ length: 40 }, (_, i) =>
      settled(i % 2 ? rest.hangup(`em-${i}`) : rest.destroyBridge(`br-${i}`)),
    );
    await eventually(() => held.length === 2, 3000, 'two deletions at the server');
    // The deletions wait in their own lane; a setup goes at once on a free connection.
    const started = Date.now();
    await rest.createBridge('br-new', 'a new tap');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(held.length).toBe(2);
    asterisk.handler = (_req, res) => res.end('{}');
    for (const res of held) res.end('{}');
    expect((await Promise.all(deletions)).filter((r) => r.error)).toEqual([]);
  });

  it('sends the credentials, query parameters and bodies ARI expects', async () => {
    const rest = await connect(100);
    const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];
    asterisk.handler = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
        res.statusCode = req.method === 'DELETE' ? 204 : 200;
        res.end(req.method === 'DELETE' ? undefined : '{}');
      });
    };
    await rest.addChannels('asb-b-1', ['asb-s-1', 'asb-e-1']);
    await rest.setEventFilter('bridge', ['StasisStart']);
    await rest.unsubscribeFromAll('bridge');
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/ari/bridges/asb-b-1/addChannel?channel=asb-s-1%2Casb-e-1',
        auth: `Basic ${Buffer.from('asterisk:secret').toString('base64')}`,
        body: '',
      },
      expect.objectContaining({
        method: 'PUT',
        url: '/ari/applications/bridge/eventFilter',
        body: '{"allowed":[{"type":"StasisStart"}]}',
      }),
      expect.objectContaining({
        method: 'DELETE',
        url: '/ari/applications/bridge/subscription?eventSource=channel%3A%2Cbridge%3A',
      }),
    ]);
  });

  it('refuses to connect with wrong credentials', async () => {
    asterisk = new FakeAsterisk(100);
    const url = await asterisk.start();
    asterisk.http.removeAllListeners('request');
    asterisk.http.on('request', (_req, res: ServerResponse) => {
      res.statusCode = 401;
      res.end('{"message":"Authentication required"}');
    });
    const refused = await settled(
      AriRestClient.connect({ name: 'pbx1', url }, 'asterisk', 'wrong', {
        connections: 2,
        keepAliveMs: 1000,
        requestTimeoutMs: 1000,
        retries: 2,
      }),
    );
    expect(refused.error?.status).toBe(401);
  });
});
