import { headers } from 'nats';
import type { Socket } from 'socket.io-client';
import { audioFrameHeaderEntries, audioSubject } from '@asb/contracts';
import {
  ADMIN,
  eventually,
  freshDatabase,
  sleep,
  startApi,
  SyntheticCall,
  TestApi,
  TestNats,
} from '../../__tests__/dashboard-api-harness';

interface LiveCallView {
  callId: string;
  state: string;
  vicidial: { leadId?: number; campaign?: string } | null;
  tracks: Record<string, { health: string; levelDbfs: number | null }>;
}

/** Everything one dashboard socket received, with arrival times. */
class Recorder {
  readonly received: Array<{ event: string; at: number; body: unknown; binary?: Buffer }> = [];

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, body: unknown, binary?: Buffer) =>
      this.received.push({ event, at: Date.now(), body, binary }),
    );
  }

  static async connect(api: TestApi, token: string): Promise<Recorder> {
    const recorder = new Recorder(api.socket(token));
    await eventually(() => recorder.of('snapshot').length > 0, 5000, 'the snapshot');
    return recorder;
  }

  of<T = unknown>(event: string): Array<{ at: number; body: T; binary?: Buffer }> {
    return this.received.filter((r) => r.event === event) as Array<{
      at: number;
      body: T;
      binary?: Buffer;
    }>;
  }

  /** First arrival time of a call in a list of the calls messages (started, answered, ended). */
  arrival(list: 'started' | 'answered' | 'updated' | 'ended', callId: string): number | undefined {
    return this.of<Record<string, Array<{ callId: string }>>>('calls').find((m) =>
      m.body[list].some((c) => c.callId === callId),
    )?.at;
  }

  emit<T>(event: string, body: unknown): Promise<T> {
    return this.socket.timeout(5000).emitWithAck(event, body) as Promise<T>;
  }
}

/** The health updates of one call a dashboard received, with arrival and sample times. */
function healthOf(dashboard: Recorder, callId: string) {
  return dashboard
    .of<{
      streams: Array<{ callId: string; levelDbfs: number; health: string; sampledAt: string }>;
    }>('health')
    .flatMap((m) =>
      m.body.streams.map((s) => ({ ...s, at: m.at, sampledMs: Date.parse(s.sampledAt) })),
    )
    .filter((s) => s.callId === callId);
}

describe('dashboard-api live feed over socket.io (real NATS)', () => {
  let nats: TestNats;
  let databaseUrl: string;
  let api: TestApi;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    nats = await TestNats.start();
    databaseUrl = await freshDatabase('asb_dashboard_api_live');
    api = await startApi(nats, databaseUrl);
    admin = await api.login(ADMIN.username, ADMIN.password);
    await api.request('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'watcher', password: 'watcher password', role: 'viewer' },
    });
    viewer = await api.login('watcher', 'watcher password');
  });

  afterAll(async () => {
    await api?.close();
    await nats?.stop();
  });

  it('never lists a replayed call (the replay tool) as a call in progress', async () => {
    const dashboard = await Recorder.connect(api, viewer);
    const replayed = new SyntheticCall();
    const live = new SyntheticCall();
    const replay = { of: 'pbx1-1764752400-7', session: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    await nats.publishEvent({ ...replayed.started(), replay });
    await nats.publishEvent({ ...replayed.answered(), replay });
    await nats.publishEvent(live.started());
    await eventually(
      () => dashboard.arrival('started', live.callId) !== undefined,
      10_000,
      'the live call',
    );
    expect(dashboard.arrival('started', replayed.callId)).toBeUndefined();
    const listed = (await (
      await api.request('GET', '/api/v1/live/calls', { token: viewer })
    ).json()) as { calls: LiveCallView[] };
    expect(listed.calls.map((c) => c.callId)).toContain(live.callId);
    expect(listed.calls.map((c) => c.callId)).not.toContain(replayed.callId);
    await nats.publishEvent(live.ended());
    await eventually(
      () => dashboard.arrival('ended', live.callId) !== undefined,
      10_000,
      'its end',
    );
  });

  it('shows a call start, answer, tap and end within a second of the event', async () => {
    const dashboard = await Recorder.connect(api, viewer);
    const call = new SyntheticCall();
    const sent = Date.now();
    await nats.publishEvent(call.started());
    await eventually(
      () => dashboard.arrival('started', call.callId) !== undefined,
      10_000,
      'started',
    );
    const startedAfter = (dashboard.arrival('started', call.callId) as number) - sent;

    await nats.publishEvent(call.answered());
    await nats.publishEvent(call.tapStarted('caller'));
    await eventually(
      () => dashboard.arrival('answered', call.callId) !== undefined,
      10_000,
      'answered',
    );
    const live = (await (
      await api.request('GET', '/api/v1/live/calls', { token: viewer })
    ).json()) as {
      calls: LiveCallView[];
    };
    expect(live.calls.find((c) => c.callId === call.callId)).toMatchObject({
      state: 'answered',
      vicidial: { leadId: 12345, campaign: 'SALES' },
      tracks: { caller: { health: 'waiting' } },
    });

    const endSent = Date.now();
    await nats.publishEvent(call.ended());
    await eventually(() => dashboard.arrival('ended', call.callId) !== undefined, 10_000, 'ended');
    expect(startedAfter).toBeLessThan(1000);
    expect((dashboard.arrival('ended', call.callId) as number) - endSent).toBeLessThan(1000);
    const after = await api.request('GET', '/api/v1/live/calls', { token: viewer });
    expect(((await after.json()) as { calls: LiveCallView[] }).calls).toEqual([]);
  });

  it('shows a tapped stream whose samples stop as stalled, and healthy when they come again', async () => {
    const dashboard = await Recorder.connect(api, viewer);
    const call = new SyntheticCall();
    await nats.publishEvent(call.started());
    await nats.publishEvent(call.answered());
    await nats.publishEvent(call.tapStarted('caller'));
    // Samples come every second from a live gateway; one that beats the tap_started event (a
    // JetStream consumer, not this core NATS subscription) is not news, so keep sending.
    await eventually(
      () => {
        nats.publishStats(call.stats('caller'));
        return healthOf(dashboard, call.callId).some((s) => s.health === 'healthy');
      },
      10_000,
      'a healthy stream',
    );
    const lastSampleSeen = Date.now();
    // The sample was its last: its gateway died, and nobody else says so.
    await eventually(
      () => healthOf(dashboard, call.callId).some((s) => s.health === 'stalled'),
      8000,
      'the silent stream shown stalled',
    );
    const stalled = healthOf(dashboard, call.callId).find((s) => s.health === 'stalled');
    expect((stalled?.at ?? 0) - lastSampleSeen).toBeGreaterThan(2000);
    const live = (await (
      await api.request('GET', '/api/v1/live/calls', { token: viewer })
    ).json()) as { calls: LiveCallView[] };
    expect(live.calls.find((c) => c.callId === call.callId)?.tracks.caller.health).toBe('stalled');

    const stalledAt = stalled?.at ?? 0;
    nats.publishStats(call.stats('caller', { packets: 500 }));
    await eventually(
      () =>
        healthOf(dashboard, call.callId).some((s) => s.health === 'healthy' && s.at > stalledAt),
      10_000,
      'the stream healthy again',
    );
    await nats.publishEvent(call.ended());
  });

  it('sends stream health at most once per stream per second, always the latest', async () => {
    const dashboard = await Recorder.connect(api, viewer);
    const call = new SyntheticCall();
    await nats.publishEvent(call.started());
    await nats.publishEvent(call.tapStarted('caller'));
    await eventually(
      () => dashboard.arrival('started', call.callId) !== undefined,
      10_000,
      'started',
    );
    const first = Date.now();
    for (let i = 1; i <= 12; i += 1) {
      const lost = i === 12 ? 30 : 0;
      nats.publishStats(call.stats('caller', { packets: 50 * i, lost, levelDbfs: -10 - i }));
      await sleep(100);
    }
    await sleep(1200);
    const updates = healthOf(dashboard, call.callId);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThanOrEqual(Math.ceil((Date.now() - first) / 1000) + 1);
    for (let i = 1; i < updates.length; i += 1) {
      // A second apart in sample time, or (the stream's last word) in wall time.
      const sampleGap = updates[i].sampledMs - updates[i - 1].sampledMs;
      const arrivalGap = updates[i].at - updates[i - 1].at;
      expect(Math.max(sampleGap, arrivalGap)).toBeGreaterThanOrEqual(900);
    }
    // The last sample lost 30 of 80 packets in its interval: degraded, and the latest level.
    expect(updates.at(-1)).toMatchObject({ levelDbfs: -22, health: 'degraded' });
    await nats.publishEvent(call.ended());
  });

  it('passes a once-a-second stream on at once, without drifting behind', async () => {
    const dashboard = await Recorder.connect(api, viewer);
    const call = new SyntheticCall();
    await nats.publishEvent(call.started());
    await nats.publishEvent(call.tapStarted('agent'));
    await eventually(
      () => dashboard.arrival('started', call.callId) !== undefined,
      10_000,
      'started',
    );
    for (let i = 1; i <= 5; i += 1) {
      nats.publishStats(
        call.stats('agent', { packets: 50 * i, sampledAt: new Date().toISOString() }),
      );
      await sleep(1000);
    }
    const updates = healthOf(dashboard, call.callId);
    expect(updates).toHaveLength(5);
    // Each within the flush period (250 ms) and delivery of its sample, the last as the first.
    expect(Math.max(...updates.map((u) => u.at - u.sampledMs))).toBeLessThan(500);
    await nats.publishEvent(call.ended());
  });

  it('replays the calls already in progress when a replica starts, and replicas run side by side', async () => {
    const call = new SyntheticCall();
    await nats.publishEvent(call.started());
    await nats.publishEvent(call.answered());
    const second = await startApi(nats, databaseUrl);
    try {
      const late = await Recorder.connect(second, viewer);
      const snapshot = late.of<{ complete: boolean; calls: LiveCallView[] }>('snapshot')[0].body;
      expect(snapshot.complete).toBe(true);
      expect(snapshot.calls.find((c) => c.callId === call.callId)).toMatchObject({
        state: 'answered',
      });
      const early = await Recorder.connect(api, viewer);
      await nats.publishEvent(call.ended());
      await eventually(
        () => [late, early].every((d) => d.arrival('ended', call.callId) !== undefined),
        10_000,
        'the end on both replicas',
      );
    } finally {
      await second.close();
    }
  });

  /** Waits until the audit log holds one start and one stop of a listen to the call. */
  const auditedOneListen = (callId: string) =>
    eventually(
      async () => {
        const audit = await api.request('GET', `/api/v1/audit?callId=${callId}`, {
          token: admin,
        });
        const { entries } = (await audit.json()) as { entries: Array<{ action: string }> };
        return entries.map((e) => e.action).join() === 'live_listen_stopped,live_listen_started';
      },
      3000,
      'one start and one stop of the listen in the audit',
    );

  it('relays a call’s audio to admins who listen, never to viewers, and audits it', async () => {
    const call = new SyntheticCall();
    // Connected first: a call that started before a client connected reaches it in the snapshot,
    // not as a `started` message.
    const listener = await Recorder.connect(api, admin);
    const bystander = await Recorder.connect(api, viewer);
    await nats.publishEvent(call.started());
    await nats.publishEvent(call.answered());
    await eventually(
      () => listener.arrival('started', call.callId) !== undefined,
      10_000,
      'the call',
    );

    expect(await bystander.emit('listen:start', { callId: call.callId })).toEqual({
      ok: false,
      error: 'live listen needs the admin role',
    });
    expect(await listener.emit('listen:start', { callId: 'bad.id' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('callId'),
    });
    expect(await listener.emit('listen:start', { callId: 'not-in-progress' })).toEqual({
      ok: false,
      error: 'no call not-in-progress in progress',
    });
    expect(await listener.emit('listen:start', { callId: call.callId })).toEqual({
      ok: true,
      callId: call.callId,
    });

    const pcm = Buffer.alloc(320, 3);
    const sentAt = Date.now();
    for (let sequence = 0; sequence < 5; sequence += 1) {
      const h = headers();
      for (const [name, value] of audioFrameHeaderEntries({
        sequence,
        timestamp: sequence * 160,
        sampleRate: 8000,
        codec: 'ulaw',
        frameMs: 20,
        capturedAt: sentAt - 100 + sequence * 20,
        runId: 'run-1',
      })) {
        h.set(name, value);
      }
      nats.nc.publish(audioSubject(call.callId, 'caller'), pcm, { headers: h });
    }
    nats.nc.publish(audioSubject(call.callId, 'agent'), Buffer.alloc(10), { headers: headers() });
    await eventually(() => listener.of('audio').length >= 5, 2000, 'five audio frames');
    const frames = listener.of('audio');
    expect(frames[0].body).toEqual({
      callId: call.callId,
      track: 'caller',
      sequence: 0,
      timestamp: 0,
      sampleRate: 8000,
      frameMs: 20,
      capturedAt: sentAt - 100,
      runId: 'run-1',
    });
    expect(Buffer.from(frames[0].binary as Buffer).equals(pcm)).toBe(true);
    expect(frames[4].at - sentAt).toBeLessThan(300);
    expect(bystander.of('audio')).toEqual([]);

    await nats.publishEvent(call.ended());
    await eventually(() => listener.of('listen:ended').length === 1, 2000, 'listen:ended');
    await auditedOneListen(call.callId);
    expect(await api.request('GET', '/metrics').then((r) => r.text())).toMatch(
      /dashboard_live_invalid_messages_total\{kind="audio",reason="invalid_audio_frame",service="dashboard-api"\} 1/,
    );
  });
  it('leaks no audio subscription when a listener starts twice at once, and audits one listen', async () => {
    const call = new SyntheticCall();
    const listener = await Recorder.connect(api, admin);
    await nats.publishEvent(call.started());
    await eventually(
      () => listener.arrival('started', call.callId) !== undefined,
      10_000,
      'the call',
    );
    const starts = await Promise.all([
      listener.emit('listen:start', { callId: call.callId }),
      listener.emit('listen:start', { callId: call.callId }),
    ]);
    expect(starts).toEqual([
      { ok: true, callId: call.callId },
      { ok: true, callId: call.callId },
    ]);
    expect(await listener.emit('listen:stop', { callId: call.callId })).toMatchObject({ ok: true });
    expect(await api.request('GET', '/metrics').then((r) => r.text())).toMatch(
      /^dashboard_listen_calls\{service="dashboard-api"\} 0$/m,
    );
    await auditedOneListen(call.callId);
    await nats.publishEvent(call.ended());
  });
});
