import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers as natsHeaders } from 'nats';
import WebSocket, { WebSocketServer } from 'ws';
import type { EgressStopped } from '@asb/contracts';
import {
  eventually,
  startEgress,
  TestBackend,
  TestCall,
  TestNats,
  toneFrame,
} from '../__tests__/egress-harness';

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
function selfSigned(): { dir: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'egress-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}

describe('TLS backends, failing backends, bad audio and restarts', () => {
  let nats: TestNats;
  let tls: { dir: string; cert: string; key: string };
  let https: Server;
  let wssUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    nats = await TestNats.start();
    tls = selfSigned();
    https = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) });
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (ws: WebSocket) =>
      ws.on('message', (data: Buffer) => received.push(data.toString())),
    );
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    wssUrl = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/secure`;
  }, 20_000);

  afterAll(async () => {
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
    await nats.stop();
  });

  it('reaches a wss:// backend signed by the configured CA, and not one it cannot verify', async () => {
    const egress = await startEgress(nats, {
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'trusted',
          match: { all: true },
          targets: [{ url: wssUrl, caFile: tls.cert, tracks: ['caller'] }],
        },
        {
          name: 'untrusted',
          match: { all: true },
          targets: [{ url: `${wssUrl}?untrusted`, tracks: ['caller'] }],
        },
      ]),
    });
    try {
      const call = await new TestCall(nats).begin(['caller']);
      await eventually(
        () => received.some((m) => m.includes('"start"')),
        5000,
        'the start over TLS',
      );
      for (let i = 0; i < 3; i += 1) call.frame('caller', toneFrame(i, 'caller'));
      await eventually(
        () => received.filter((m) => m.includes('"media"')).length === 3,
        5000,
        'media',
      );
      await eventually(
        async () => (await egress.metric('stream_egress_connect_failures_total')) >= 2,
        5000,
        'the untrusted backend to fail',
      );
      await call.ended();
      await eventually(
        async () =>
          (await nats.events()).filter(
            (e) => e.callId === call.callId && e.event === 'egress_stopped',
          ).length === 2,
        5000,
        'both streams to stop',
      );
      const stops = (await nats.events()).filter(
        (e): e is EgressStopped => e.callId === call.callId && e.event === 'egress_stopped',
      );
      expect(stops.map((s) => s.reason).sort()).toEqual(['backend_failed', 'call_ended']);
      expect(stops.find((s) => s.reason === 'backend_failed')).toMatchObject({ framesSent: 0 });
    } finally {
      await egress.close();
    }
  });

  it('counts and drops audio frames that break the contract, and keeps streaming', async () => {
    const backend = await TestBackend.start();
    const egress = await startEgress(nats, {
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'all',
          match: { all: true },
          targets: [{ url: backend.url(), tracks: ['caller'] }],
        },
      ]),
    });
    try {
      const call = await new TestCall(nats).begin(['caller']);
      await eventually(() => backend.sessions[0]?.messages.length >= 2, 5000, 'the session');
      const h = natsHeaders();
      h.set('Audio-Sample-Rate', '8000');
      nats.nc.publish(`audio.v1.${call.callId}.caller`, new Uint8Array(10), { headers: h });
      nats.nc.publish(`audio.v1.${call.callId}.caller`, new Uint8Array(320));
      call.frame('caller', toneFrame(0, 'caller'));
      await eventually(
        () => backend.sessions[0].messages.some((m) => m.json?.['event'] === 'media'),
        5000,
        'the good frame',
      );
      expect(
        await egress.metric('stream_egress_audio_frames_rejected_total', {
          reason: 'invalid_audio_frame',
        }),
      ).toBe(2);
      expect(
        backend.sessions[0].messages.filter((m) => m.json?.['event'] === 'media'),
      ).toHaveLength(1);
      await call.ended();
    } finally {
      await egress.close();
      await backend.close();
    }
  });

  it('learns the calls in progress from the event history when it starts', async () => {
    const backend = await TestBackend.start();
    const live = await new TestCall(nats).begin(['caller']);
    const over = await new TestCall(nats).begin(['caller']);
    await over.ended();
    const egress = await startEgress(nats, {
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'all',
          match: { all: true },
          targets: [{ url: backend.url(), tracks: ['caller'] }],
        },
      ]),
    });
    try {
      await eventually(() => backend.sessions[0]?.messages.length >= 2, 5000, 'the live call');
      const callSids = backend.sessions.map(
        (s) => (s.messages[1].json as { start: { callSid: string } }).start.callSid,
      );
      expect(callSids).toContain(live.callId);
      expect(callSids).not.toContain(over.callId);
      await live.ended();
    } finally {
      await egress.close();
      await backend.close();
    }
  });
});
