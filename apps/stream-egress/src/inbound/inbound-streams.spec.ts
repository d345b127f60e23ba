import WebSocket from 'ws';
import type { EgressStarted } from '@asb/contracts';
import { correlation } from '@asb/rtp';
import {
  eventually,
  sleep,
  startEgress,
  TestCall,
  TestEgress,
  TestNats,
  toneFrame,
  ulawToPcm,
  Json,
} from '../__tests__/egress-harness';

const TOKENS =
  'bot-a=token-aaaaaaaaaaaaaaaa,bot-b=token-bbbbbbbbbbbbbbbb,sales-bot:SALES|RENEW=token-ssssssssssssssss';

interface Client {
  ws: WebSocket;
  texts: Array<Json>;
  binaries: Buffer[];
  closed?: number;
  opened: Promise<void>;
}

function client(url: string, token?: string, protocols: string[] = []): Client {
  const ws = new WebSocket(url, protocols, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const c: Client = {
    ws,
    texts: [],
    binaries: [],
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
  };
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) c.binaries.push(Buffer.from(data));
    else c.texts.push(JSON.parse(data.toString()) as Json);
  });
  ws.on('close', (code) => {
    c.closed = code;
  });
  return c;
}

/** The HTTP status an upgrade request is refused with. */
function refusal(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('open', () => reject(new Error(`${url} was accepted`)));
  });
}

describe('inbound streams: AI clients connect to /v1/streams', () => {
  let nats: TestNats;
  let egress: TestEgress;
  let second: TestEgress;

  beforeAll(async () => {
    nats = await TestNats.start();
    [egress, second] = await Promise.all([
      startEgress(nats, { EGRESS_INBOUND_TOKENS: TOKENS }),
      startEgress(nats, { EGRESS_INBOUND_TOKENS: TOKENS }),
    ]);
  }, 20_000);

  afterAll(async () => {
    await egress.close();
    await second.close();
    await nats.stop();
  });

  it('refuses missing and bad tokens, bad requests and unknown calls, and counts them', async () => {
    const call = await new TestCall(nats).begin(['caller']);
    await Promise.all([egress.knows(call.callId), second.knows(call.callId)]);
    const url = `${egress.wsUrl}/v1/streams?call=${call.callId}`;
    expect(await refusal(url)).toBe(401);
    expect(await refusal(url, { Authorization: 'Bearer token-aaaaaaaaaaaaaaaX' })).toBe(401);
    expect(await refusal(url, { Authorization: 'Basic Ym90LWE6dG9rZW4=' })).toBe(401);
    const auth = { Authorization: 'Bearer token-aaaaaaaaaaaaaaaa' };
    expect(await refusal(`${egress.wsUrl}/v1/streams?call=no-such-call`, auth)).toBe(404);
    expect(await refusal(`${egress.wsUrl}/v1/streams?call=next&sampleRate=11025`, auth)).toBe(400);
    expect(await refusal(`${egress.wsUrl}/elsewhere`, auth)).toBe(404);
    expect(
      await egress.metric('stream_egress_inbound_rejected_total', { reason: 'missing_token' }),
    ).toBe(2);
    expect(
      await egress.metric('stream_egress_inbound_rejected_total', { reason: 'bad_token' }),
    ).toBe(1);
    expect(
      await egress.metric('stream_egress_inbound_rejected_total', { reason: 'unknown_call' }),
    ).toBe(1);
    expect(
      await egress.metric('stream_egress_inbound_rejected_total', { reason: 'bad_request' }),
    ).toBe(1);
    await call.ended();
  });

  it('gives a token scoped to campaigns only the calls of those campaigns', async () => {
    const sales = await new TestCall(nats).begin(['caller']);
    const support = await new TestCall(nats, undefined, { campaign: 'SUPPORT' }).begin(['caller']);
    await Promise.all([egress.knows(sales.callId), egress.knows(support.callId)]);
    const scoped = { Authorization: 'Bearer token-ssssssssssssssss' };
    const forbiddenBefore = await egress.metric('stream_egress_inbound_rejected_total', {
      reason: 'forbidden',
    });
    expect(await refusal(`${egress.wsUrl}/v1/streams?call=${support.callId}`, scoped)).toBe(403);
    expect(
      (await egress.metric('stream_egress_inbound_rejected_total', { reason: 'forbidden' })) -
        forbiddenBefore,
    ).toBe(1);
    const named = client(
      `${egress.wsUrl}/v1/streams?call=${sales.callId}`,
      scoped.Authorization.slice(7),
    );
    await named.opened;
    await eventually(() => named.texts.length >= 2, 5000, 'connected and start');
    named.ws.close();
    await sales.ended();
    await egress.knowsEnded(sales.callId);
    // A next-call client of that token waits past the SUPPORT call for one of its campaigns.
    const next = client(`${egress.wsUrl}/v1/streams?call=next`, scoped.Authorization.slice(7));
    await next.opened;
    const renewal = await new TestCall(nats, undefined, { campaign: 'RENEW' }).begin(['caller']);
    await eventually(
      () => next.texts.some((text) => text['event'] === 'start'),
      10_000,
      'the RENEW call handed to the scoped client',
    );
    const start = next.texts.find((text) => text['event'] === 'start') as Json;
    expect((start['start'] as Json)['callSid']).toBe(renewal.callId);
    next.ws.close();
    await Promise.all([support.ended(), renewal.ended()]);
  });

  it('hands a next-call client that asks for replays only a replayed call, and one that excludes them a live one', async () => {
    const token = 'token-aaaaaaaaaaaaaaaa';
    const replaysOnly = client(`${egress.wsUrl}/v1/streams?call=next&replays=only`, token);
    const liveOnly = client(`${egress.wsUrl}/v1/streams?call=next&replays=exclude`, token);
    await Promise.all([replaysOnly.opened, liveOnly.opened]);
    const replayed = new TestCall(nats);
    replayed.replay = { of: 'pbx1-1732451234-56', session: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    await replayed.begin(['caller']);
    const live = await new TestCall(nats).begin(['caller']);
    const callSid = (c: typeof replaysOnly) =>
      (
        (c.texts.find((text) => text['event'] === 'start') as Json | undefined)?.['start'] as
          Json | undefined
      )?.['callSid'];
    await eventually(
      () => callSid(replaysOnly) !== undefined && callSid(liveOnly) !== undefined,
      10_000,
      'a call for each client',
    );
    expect([callSid(replaysOnly), callSid(liveOnly)]).toEqual([replayed.callId, live.callId]);
    replaysOnly.ws.close();
    liveOnly.ws.close();
    await Promise.all([replayed.ended(), live.ended()]);
  });

  it('streams a named call in the twilio format until it ends', async () => {
    const call = await new TestCall(nats).begin(['caller', 'agent']);
    await Promise.all([egress.knows(call.callId), second.knows(call.callId)]);
    const c = client(
      `${egress.wsUrl}/v1/streams?call=${call.callId}&tracks=agent`,
      'token-bbbbbbbbbbbbbbbb',
    );
    await c.opened;
    await eventually(() => c.texts.length >= 2, 5000, 'connected and start');
    for (let i = 0; i < 5; i += 1) {
      call.frame('caller', toneFrame(i, 'caller'));
      call.frame('agent', toneFrame(i, 'agent'));
    }
    await eventually(() => c.texts.length >= 7, 5000, 'the media');
    await call.ended();
    await eventually(() => c.closed !== undefined, 5000, 'the close');
    const [connected, start, ...rest] = c.texts;
    expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(start).toMatchObject({
      event: 'start',
      sequenceNumber: '1',
      start: {
        callSid: call.callId,
        tracks: ['outbound'],
        customParameters: { campaign: 'SALES' },
      },
    });
    const mediaMessages = rest.filter((m) => m['event'] === 'media');
    expect(mediaMessages).toHaveLength(5);
    expect(mediaMessages.every((m) => m['media'].track === 'outbound')).toBe(true);
    const received = Int16Array.from(
      mediaMessages.flatMap((m) => [...Buffer.from(m['media'].payload, 'base64')].map(ulawToPcm)),
    );
    const sent = Int16Array.from(
      Array.from({ length: 5 }, (_, i) => [...toneFrame(i, 'agent')]).flat(),
    );
    expect(correlation(received, sent)).toBeGreaterThan(0.99);
    expect(rest.at(-1)).toMatchObject({ event: 'stop', stop: { callSid: call.callId } });
    expect(c.closed).toBe(1000);
    await eventually(
      async () =>
        (await nats.events()).some(
          (e) => e.callId === call.callId && e.event === 'egress_stopped' && e.target === 'bot-b',
        ),
      5000,
      'egress_stopped of the inbound stream',
    );
    const started = (await nats.events()).find(
      (e): e is EgressStarted => e.callId === call.callId && e.event === 'egress_started',
    );
    expect(started).toMatchObject({ direction: 'inbound', target: 'bot-b', format: 'twilio' });
  });

  it('speaks jambonz to a client that offers audio.jambonz.org', async () => {
    const call = await new TestCall(nats).begin(['caller']);
    await Promise.all([egress.knows(call.callId), second.knows(call.callId)]);
    const c = client(
      `${egress.wsUrl}/v1/streams?call=${call.callId}&sampleRate=16000`,
      'token-aaaaaaaaaaaaaaaa',
      ['audio.jambonz.org'],
    );
    await c.opened;
    expect(c.ws.protocol).toBe('audio.jambonz.org');
    await eventually(() => c.texts.length === 1, 5000, 'the preamble');
    for (let i = 0; i < 5; i += 1) call.frame('caller', toneFrame(i, 'caller'));
    await eventually(() => c.binaries.length >= 5, 5000, 'the audio');
    await call.ended();
    await eventually(() => c.closed !== undefined, 5000, 'the close');
    expect(c.texts).toEqual([
      expect.objectContaining({ callSid: call.callId, sampleRate: 16000, mixType: 'mono' }),
    ]);
    expect(c.binaries.reduce((sum, b) => sum + b.length, 0)).toBeGreaterThanOrEqual(5 * 640 - 4);
  });

  it('hands each call to exactly one next-call client, across replicas', async () => {
    const replicas = [egress, second, egress, second];
    const clients = replicas.map((replica, i) =>
      client(
        `${replica.wsUrl}/v1/streams?call=next`,
        i % 2 ? 'token-bbbbbbbbbbbbbbbb' : 'token-aaaaaaaaaaaaaaaa',
      ),
    );
    await Promise.all(clients.map((c) => c.opened));
    await eventually(() => clients.every((c) => c.texts.length === 1), 5000, 'the greetings');
    expect(clients.every((c) => c.texts[0]['event'] === 'connected')).toBe(true);
    const calls: TestCall[] = [];
    for (let i = 0; i < 5; i += 1) calls.push(await new TestCall(nats).begin(['caller']));
    await eventually(
      () => clients.every((c) => c.texts.length >= 2),
      10_000,
      'a call for every client',
    );
    await sleep(300);
    const assigned = clients.map((c) => c.texts[1]['start'].callSid as string);
    expect(new Set(assigned).size).toBe(4);
    expect(assigned.every((id) => calls.some((call) => call.callId === id))).toBe(true);
    // The fifth call went to nobody: no client was left waiting for it.
    for (const call of calls) call.frame('caller', toneFrame(0, 'caller'));
    await eventually(() => clients.every((c) => c.texts.length >= 3), 5000, 'the audio');
    expect(clients.every((c) => c.texts.length === 3)).toBe(true);
    // A client arriving later gets the call nobody had.
    const late = client(`${second.wsUrl}/v1/streams?call=next`, 'token-aaaaaaaaaaaaaaaa');
    await eventually(() => late.texts.length >= 2, 5000, 'the late client to get a call');
    const unassigned = calls.find((call) => !assigned.includes(call.callId));
    expect(late.texts[1]['start'].callSid).toBe(unassigned?.callId);
    for (const call of calls) await call.ended();
    await eventually(
      () => [...clients, late].every((c) => c.closed === 1000),
      5000,
      'every stream to close',
    );
  });

  it('tells waiting clients it goes away when it stops', async () => {
    const third = await startEgress(nats, { EGRESS_INBOUND_TOKENS: TOKENS });
    const c = client(`${third.wsUrl}/v1/streams?call=next`, 'token-aaaaaaaaaaaaaaaa');
    await c.opened;
    await third.close();
    await eventually(() => c.closed !== undefined, 5000, 'the close');
    expect(c.closed).toBe(1001);
  });
});
