import type { CallSummary } from '@asb/contracts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN,
  createCallRecordTables,
  freshDatabase,
  startApi,
  TestApi,
  TestNats,
} from '../../__tests__/dashboard-api-harness';
import { plannedCalls, seedCallDetail, seedCallRecords, SeededCall } from './seed-call-records';

interface Page {
  calls: Array<
    Pick<CallSummary, 'callId' | 'state' | 'durationMs' | 'recording' | 'vicidial' | 'audio'>
  >;
  nextCursor: string | null;
}

describe('dashboard-api call history, summary and recordings (real PostgreSQL and NATS)', () => {
  const seeded = plannedCalls(30);
  const detailCall = seeded[10];
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-recordings-'));
  const wav = Buffer.alloc(16_044, 7);
  let nats: TestNats;
  let databaseUrl: string;
  let api: TestApi;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    nats = await TestNats.start();
    databaseUrl = await freshDatabase('asb_dashboard_api_calls');
    await createCallRecordTables(databaseUrl);
    await seedCallRecords(databaseUrl, seeded);
    mkdirSync(join(recordingsDir, '2025/01/31'), { recursive: true });
    writeFileSync(join(recordingsDir, '2025/01/31/seed-010.wav'), wav);
    await seedCallDetail(databaseUrl, detailCall, {
      // Written by a call-logger that mounts the folder elsewhere: only the file name is used.
      path: '/elsewhere/2025/01/31/seed-010.wav',
      fileName: '2025/01/31/seed-010.wav',
      sizeBytes: wav.length,
    });
    await seedCallDetail(databaseUrl, seeded[11], {
      path: '/elsewhere/x.wav',
      fileName: 'x.wav',
      sizeBytes: 0,
      state: 'recording',
    });
    api = await startApi(nats, databaseUrl, { DASHBOARD_RECORDINGS_DIR: recordingsDir });
    admin = await api.login(ADMIN.username, ADMIN.password);
    await api.request('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'supervisor', password: 'supervisor password', role: 'viewer' },
    });
    viewer = await api.login('supervisor', 'supervisor password');
  });

  afterAll(async () => {
    await api?.close();
    await nats?.stop();
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  async function page(query: string, token = viewer): Promise<Page> {
    const response = await api.request('GET', `/api/v1/calls${query}`, { token });
    expect({ query, status: response.status }).toEqual({ query, status: 200 });
    return (await response.json()) as Page;
  }

  async function all(query: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const separator = query ? '&' : '?';
      const result: Page = await page(
        `${query}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      ids.push(...result.calls.map((c) => c.callId));
      cursor = result.nextCursor;
    } while (cursor);
    return ids;
  }

  const ids = (calls: SeededCall[]) => calls.map((c) => c.callId);

  it('lists calls newest first and pages through them with cursors, without gaps or repeats', async () => {
    expect(await all('', 7)).toEqual(ids([...seeded].reverse()));
    expect(await all('?sort=startedAt', 8)).toEqual(ids(seeded));
    const byDuration = await all('?sort=-durationMs', 4);
    const expected = [...seeded].sort(
      (a, b) => (b.durationMs ?? -1) - (a.durationMs ?? -1) || (a.callId < b.callId ? 1 : -1),
    );
    expect(byDuration).toEqual(ids(expected));
  });

  it('filters by state, answer, time range, number, lead id, campaign, agent, in-group, status and conversation', async () => {
    const cases: Array<[string, (c: SeededCall) => boolean]> = [
      ['state=active', (c) => c.state !== 'ended'],
      ['state=ended&answered=false', (c) => c.state === 'ended' && !c.answeredAt],
      [
        `from=${seeded[5].startedAt.toISOString()}&to=${seeded[9].startedAt.toISOString()}`,
        (c) => c.startedAt >= seeded[5].startedAt && c.startedAt < seeded[9].startedAt,
      ],
      ['number=3125550112', (c) => c.callerNumber === '3125550112'],
      ['number=31255501', () => true],
      ['number=312555011', (c) => c.callerNumber.startsWith('312555011')],
      ['leadId=1017', (c) => c.leadId === 1017],
      ['campaign=SALES&agent=agent1', (c) => c.campaign === 'SALES' && c.agent === 'agent1'],
      ['campaign=NOPE', () => false],
      ['inGroup=SUPPORT_LINE', (c) => c.inGroup === 'SUPPORT_LINE'],
      ['status=SALE&campaign=SALES', (c) => c.status === 'SALE' && c.campaign === 'SALES'],
      [
        'conversationId=seed-007',
        (c) => c.callId === 'seed-007' || c.conversationId === 'seed-007',
      ],
      ['audioVerdict=any', (c) => c.audioVerdicts.length > 0],
      ['audioVerdict=silent_track', (c) => c.audioVerdicts.includes('silent_track')],
      ['audioVerdict=clipping&campaign=SALES', (c) => c.audioVerdicts.includes('clipping')],
    ];
    for (const [query, keep] of cases) {
      const found = (await page(`?${query}&limit=200`)).calls.map((c) => c.callId);
      expect({ query, found }).toEqual({ query, found: ids(seeded.filter(keep).reverse()) });
    }
    const [disposed] = (await page('?inGroup=SUPPORT_LINE&status=NI&limit=1')).calls;
    expect(disposed.vicidial).toMatchObject({ inGroup: 'SUPPORT_LINE', status: 'NI' });
    const [missed] = (await page('?audioVerdict=one_way_audio')).calls;
    expect(missed.audio).toEqual({ verdicts: ['one_way_audio', 'silent_track'], talk: null });
    const [clipped] = (await page('?audioVerdict=clipping')).calls;
    expect(clipped.audio).toEqual({
      verdicts: ['clipping'],
      talk: {
        heardS: 19,
        customerTalkS: 9.5,
        agentTalkS: 5.7,
        overlapS: 0.95,
        longestSilenceS: 2.5,
      },
    });
  });

  it('answers invalid parameters with 400 naming each problem', async () => {
    const otherSortCursor = (await page('?sort=startedAt&limit=1')).nextCursor as string;
    const cases: Array<[string, string[]]> = [
      [
        'from=yesterday',
        ['from: must be an ISO 8601 date-time with a zone, e.g. 2025-01-31T08:00:00Z'],
      ],
      ['from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', ['to: from must be before to']],
      ['limit=500', ['limit: Too big: expected number to be <=200']],
      [
        'audioVerdict=loud',
        [
          'audioVerdict: Invalid option: expected one of "any"|"one_way_audio"|"silent_track"|"suspect_format"|"clipping"',
        ],
      ],
      [
        'sort=name',
        [
          'sort: Invalid option: expected one of "-startedAt"|"startedAt"|"-durationMs"|"durationMs"',
        ],
      ],
      [
        'state=lost',
        ['state: Invalid option: expected one of "active"|"started"|"answered"|"ended"'],
      ],
      ['number=abc', ['number: must be 1-64 characters of 0-9 + * #']],
      ['leadId=-1', ['leadId: Too small: expected number to be >=0']],
      ['answered=maybe', ['answered: Invalid option: expected one of "true"|"false"']],
      [
        'cursor=garbage',
        ['cursor: is not a cursor of this listing (same sort) returned by the API'],
      ],
      [
        `cursor=${otherSortCursor}`,
        ['cursor: is not a cursor of this listing (same sort) returned by the API'],
      ],
      ['agent=a&color=red', ['(query): Unrecognized key: "color"']],
      // PostgreSQL refuses NUL in text: a 400, not a 500 from the database.
      ['campaign=%00', ['campaign: must not contain control characters']],
      ['agent=a%00b', ['agent: must not contain control characters']],
      ['server=%00', ['server: must not contain control characters']],
      ['inGroup=%0A', ['inGroup: must not contain control characters']],
      ['status=%7F', ['status: must not contain control characters']],
      [
        `cursor=${Buffer.from(JSON.stringify({ sort: '-startedAt', key: '\u0000', callId: 'x' })).toString('base64url')}`,
        ['cursor: is not a cursor of this listing (same sort) returned by the API'],
      ],
      [
        `cursor=${Buffer.from(JSON.stringify({ sort: '-startedAt', key: 'yesterday', callId: 'x' })).toString('base64url')}`,
        ['cursor: is not a cursor of this listing (same sort) returned by the API'],
      ],
      [
        `sort=durationMs&cursor=${Buffer.from(JSON.stringify({ sort: 'durationMs', key: '1e9', callId: 'x' })).toString('base64url')}`,
        ['cursor: is not a cursor of this listing (same sort) returned by the API'],
      ],
    ];
    for (const [query, errors] of cases) {
      const response = await api.request('GET', `/api/v1/calls?${query}`, { token: viewer });
      expect({
        query,
        status: response.status,
        errors: ((await response.json()) as { errors: string[] }).errors,
      }).toEqual({
        query,
        status: 400,
        errors,
      });
    }
    const badId = await api.request('GET', '/api/v1/calls/bad.id', { token: viewer });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { errors: string[] }).errors).toEqual([
      'callId: callId must be one NATS token of [A-Za-z0-9_-]',
    ]);
  });

  it('returns one call with its timeline, streams, health series and recording', async () => {
    const response = await api.request('GET', `/api/v1/calls/${detailCall.callId}`, {
      token: viewer,
    });
    expect(response.status).toBe(200);
    const detail = (await response.json()) as {
      call: { callId: string; vicidial: { leadId: number; campaign: string } };
      events: Array<{ event: string; track: string | null }>;
      streams: Array<{ track: string; lossPercent: number }>;
      health: Array<{
        track: string;
        lossPercent: number[];
        jitterMs: number[];
        stalled: boolean[];
      }>;
      recording: { state: string; channels: number; tracks: unknown[] } & Record<string, unknown>;
      audioVerdicts: unknown[];
    };
    expect(detail.call).toMatchObject({
      callId: detailCall.callId,
      vicidial: { leadId: detailCall.leadId, campaign: detailCall.campaign },
    });
    expect(detail.events.map((e) => (e.track ? `${e.event}:${e.track}` : e.event))).toEqual([
      'started',
      'answered',
      'tap_started:caller',
      'tap_started:agent',
      'audio_verdict:agent',
      'audio_verdict:agent',
      'audio_verdict:caller',
      'ended',
    ]);
    // Each verdict from its raising to its clearing; one standing at the end ended with the call.
    const at = (ms: number) => new Date(detailCall.startedAt.getTime() + ms).toISOString();
    expect(detail.audioVerdicts).toEqual([
      {
        verdict: 'clipping',
        track: 'agent',
        raisedAt: at(4000),
        clearedAt: at(16_000),
        detail: 'clips',
        suspectFormat: null,
        speakingTrack: null,
      },
      {
        verdict: 'suspect_format',
        track: 'caller',
        raisedAt: at(8000),
        clearedAt: detailCall.endedAt?.toISOString(),
        detail: 'loud noise instead of speech',
        suspectFormat: 'broadband_noise',
        speakingTrack: null,
      },
    ]);
    expect(detail.streams.map((s) => [s.track, s.lossPercent])).toEqual([
      ['agent', 1.2],
      ['caller', 1.2],
    ]);
    const caller = detail.health.find((h) => h.track === 'caller');
    // Cumulative counters 250/0, 500/5, 750/10, 1000/15: 5 lost of 255 expected per interval.
    expect(caller).toMatchObject({
      lossPercent: [0, 2, 2, 2],
      jitterMs: [1, 2, 3, 4],
      stalled: [false, false, false, true],
    });
    expect(detail.recording).toMatchObject({
      state: 'complete',
      channels: 2,
      sizeBytes: wav.length,
    });
    expect(detail.recording).not.toHaveProperty('path');

    const missing = await api.request('GET', '/api/v1/calls/no-such-call', { token: viewer });
    expect(missing.status).toBe(404);
  });

  it("gives a call's page the other legs of its conversation, from either leg", async () => {
    const legsOf = async (callId: string) => {
      const response = await api.request('GET', `/api/v1/calls/${callId}`, { token: viewer });
      const detail = (await response.json()) as {
        call: { conversationId: string };
        legs: Array<{ callId: string; conversationId: string }>;
      };
      return [detail.call.conversationId, detail.legs.map((leg) => leg.callId)];
    };
    expect(await legsOf('seed-007')).toEqual(['seed-007', ['seed-008']]);
    expect(await legsOf('seed-008')).toEqual(['seed-007', ['seed-007']]);
    expect(await legsOf('seed-009')).toEqual(['seed-009', []]);
  });

  it('summarises calls per hour, answer rate and average duration, with the live counts', async () => {
    const response = await api.request('GET', '/api/v1/summary?hours=2', { token: viewer });
    const summary = (await response.json()) as {
      live: { active: number };
      history: {
        calls: number;
        answered: number;
        missed: number;
        answerRate: number;
        averageDurationSeconds: number;
        callsPerHour: Array<{ calls: number }>;
      };
    };
    const ended = seeded.filter((c) => c.state === 'ended');
    const answered = seeded.filter((c) => c.answeredAt).length;
    const missed = ended.filter((c) => !c.answeredAt).length;
    const averageMs = ended.reduce((sum, c) => sum + (c.durationMs ?? 0), 0) / ended.length;
    expect(summary.live.active).toBe(0);
    expect(summary.history).toMatchObject({
      calls: 30,
      answered,
      missed,
      answerRate: Math.round((answered / (answered + missed)) * 1000) / 1000,
      averageDurationSeconds: Math.round(averageMs / 100) / 10,
    });
    expect(summary.history.callsPerHour.reduce((sum, h) => sum + h.calls, 0)).toBe(30);
    const bad = await api.request('GET', '/api/v1/summary?hours=0', { token: viewer });
    expect(bad.status).toBe(400);
  });

  it('serves recordings to admins only, with range requests, and audits each download', async () => {
    const url = `/api/v1/calls/${detailCall.callId}/recording`;
    expect((await api.request('GET', url, { token: viewer })).status).toBe(403);

    const whole = await api.request('GET', url, { token: admin });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(wav)).toBe(true);

    const part = await api.request('GET', url, {
      token: admin,
      headers: { range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${wav.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toHaveLength(100);

    const beyond = await api.request('GET', url, {
      token: admin,
      headers: { range: `bytes=${wav.length + 10}-` },
    });
    expect(beyond.status).toBe(416);

    const ticket = await api.request('POST', `${url}/ticket`, { token: admin });
    expect(ticket.status).toBe(201);
    const { url: ticketUrl } = (await ticket.json()) as { url: string };
    const byTicket = await fetch(`${api.baseUrl}${ticketUrl}`, { headers: { range: 'bytes=0-' } });
    expect(byTicket.status).toBe(206);
    await byTicket.arrayBuffer();
    const query = ticketUrl.slice(ticketUrl.indexOf('?'));
    const otherCall = await fetch(
      `${api.baseUrl}/api/v1/calls/${seeded[12].callId}/recording${query}`,
    );
    expect(otherCall.status).toBe(403);
    expect((await api.request('POST', `${url}/ticket`, { token: viewer })).status).toBe(403);

    const inProgress = await api.request('GET', `/api/v1/calls/${seeded[11].callId}/recording`, {
      token: admin,
    });
    expect(inProgress.status).toBe(409);
    const none = await api.request('GET', `/api/v1/calls/${seeded[13].callId}/recording`, {
      token: admin,
    });
    expect(none.status).toBe(404);

    const audit = await api.request(
      'GET',
      `/api/v1/audit?action=recording_downloaded&callId=${detailCall.callId}`,
      {
        token: admin,
      },
    );
    const { entries } = (await audit.json()) as {
      entries: Array<{ username: string; detail: { range: string | null } }>;
    };
    // The whole download and the ticket's playback from byte 0; the mid-file range is not a new download.
    expect(entries.map((e) => [e.username, e.detail.range])).toEqual([
      ['root', 'bytes=0-'],
      ['root', null],
    ]);
  });

  describe('when call-logger has not created the call records', () => {
    let bare: TestApi;

    beforeAll(async () => {
      bare = await startApi(nats, await freshDatabase('asb_dashboard_api_bare'));
    });

    afterAll(() => bare?.close());

    it('answers 503 for the history and still gives the live half of the summary', async () => {
      const token = await bare.login(ADMIN.username, ADMIN.password);
      const calls = await bare.request('GET', '/api/v1/calls', { token });
      expect(calls.status).toBe(503);
      expect(await calls.json()).toMatchObject({
        message: 'call records are unavailable: call-logger has not created them yet',
      });
      const summary = (await (
        await bare.request('GET', '/api/v1/summary', { token })
      ).json()) as object;
      expect(summary).toMatchObject({ history: null, live: { active: 0 } });
    });
  });
});
