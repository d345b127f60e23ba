import WebSocket from 'ws';
import { callIdFromChannel, EgressStarted, EgressStopped } from '@asb/contracts';
import { alignedCorrelation, loopedFixture } from './support/audio-alignment';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { FastApiReceiver, RECEIVER_SECRET, RECEIVER_TOKEN } from './support/fastapi-receiver';
import { NatsRecorders } from './support/nats-recorders';

const CLIENT_TOKEN = 'inbound-client-token-e2e';

describe('stream-egress: simulated calls -> the bridge -> stream-egress -> a FastAPI backend', () => {
  const receiver = new FastApiReceiver();
  const recorders = new NatsRecorders();
  let stack: BridgeStack;
  let calls: ScenarioCall[] = [];
  const callIds = () => calls.map((c) => callIdFromChannel(c.server, c.trunkChannelId));
  /** An AI client that asked stream-egress for the next call, in the jambonz format. */
  const nextClient = {
    preamble: undefined as Record<string, unknown> | undefined,
    pcm: [] as Buffer[],
  };
  let nextSocket: WebSocket;

  beforeAll(async () => {
    await receiver.start();
    await recorders.start();
    stack = new BridgeStack({
      servers: ['pbx1'],
      streamEgress: {
        // The receiver files media by media.track: both tracks are safe for it.
        ...receiver.egressSettings(['caller', 'agent']),
        EGRESS_INBOUND_TOKENS: `e2e-bot=${CLIENT_TOKEN}`,
        // Only calls from now on: the shared NATS holds other runs' history.
        EGRESS_EVENTS_REPLAY_MINUTES: '0',
      },
    });
    await stack.start();
    const egress = stack.streamEgress as NonNullable<BridgeStack['streamEgress']>;
    nextSocket = new WebSocket(
      `${egress.baseUrl.replace('http', 'ws')}/v1/streams?call=next&mixType=mono`,
      ['audio.jambonz.org'],
      { headers: { Authorization: `Bearer ${CLIENT_TOKEN}` } },
    );
    nextSocket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) nextClient.pcm.push(Buffer.from(data));
      else nextClient.preamble = JSON.parse(data.toString()) as Record<string, unknown>;
    });
    await new Promise((resolve, reject) => {
      nextSocket.once('open', resolve);
      nextSocket.once('error', reject);
    });
    calls = await stack.runScenario({
      totalCalls: 4,
      concurrency: 4,
      arrivalRate: 20,
      ringMs: { min: 200, max: 400 },
      talkMs: { min: 4000, max: 5000 },
      answerRatio: 1,
      seed: 11,
    });
    await recorders.waitFor(
      () =>
        callIds().every((id) =>
          recorders
            .eventsOf(id)
            .some((e) => e.event === 'egress_stopped' && e.direction === 'outbound'),
        ),
      20_000,
      'an outbound egress_stopped for every call',
    );
    await recorders.waitFor(
      () => callIds().every((id) => receiver.summary(id) !== undefined),
      10_000,
      'the receiver to write every call',
    );
  }, 120_000);

  afterAll(async () => {
    nextSocket?.terminate();
    await recorders.stop();
    await stack?.stop();
    stack?.kill();
    receiver.stop();
  });

  it("writes one WAV per call and track whose audio matches the simulator's speech", () => {
    expect(calls).toHaveLength(4);
    for (const callId of callIds()) {
      for (const [track, voice] of [
        ['inbound', 'caller'],
        ['outbound', 'agent'],
      ] as const) {
        const wav = receiver.wav(callId, track);
        expect({ callId, track, written: wav !== undefined }).toEqual({
          callId,
          track,
          written: true,
        });
        const samples = wav as Int16Array;
        expect({ callId, track, seconds: samples.length / 8000 >= 3 }).toEqual({
          callId,
          track,
          seconds: true,
        });
        const { score } = alignedCorrelation(
          samples,
          loopedFixture(voice, samples.length + 16_000),
          16_000,
        );
        expect({ callId, track, matches: score > 0.95, score }).toEqual({
          callId,
          track,
          matches: true,
          score,
        });
      }
    }
  });

  it("carries each call's VICIdial metadata in the start message", () => {
    for (const call of calls) {
      const callId = callIdFromChannel(call.server, call.trunkChannelId);
      expect(receiver.summary(callId)?.start.customParameters).toMatchObject({
        callId,
        callCode: call.callCode,
        leadId: String(call.plan.leadId),
        server: call.server,
        channelName: call.trunkChannelName,
      });
    }
  });

  it('publishes egress_started and egress_stopped for every stream', () => {
    for (const callId of callIds()) {
      const events = recorders.eventsOf(callId);
      const started = events.filter(
        (e): e is EgressStarted => e.event === 'egress_started' && e.direction === 'outbound',
      );
      const stopped = events.filter(
        (e): e is EgressStopped => e.event === 'egress_stopped' && e.direction === 'outbound',
      );
      expect(started).toEqual([
        expect.objectContaining({
          format: 'twilio',
          target: receiver.url,
          tracks: ['caller', 'agent'],
        }),
      ]);
      expect(stopped).toEqual([
        expect.objectContaining({
          reason: 'call_ended',
          reconnects: 0,
          streamId: started[0].streamId,
        }),
      ]);
      // Both tracks of 4+ seconds of call at 50 messages per second and track.
      expect(stopped[0].framesSent).toBeGreaterThan(2 * 50 * 3);
      expect(stopped[0].framesDropped).toBe(0);
    }
  });

  it('hands one call to the AI client that asked for the next one, with its audio', () => {
    expect(nextClient.preamble).toMatchObject({ sampleRate: 8000, mixType: 'mono' });
    const callId = nextClient.preamble?.['callSid'] as string;
    expect(callIds()).toContain(callId);
    const bytes = Buffer.concat(nextClient.pcm);
    const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    expect(pcm.length / 8000).toBeGreaterThan(3);
    const { score } = alignedCorrelation(pcm, loopedFixture('caller', pcm.length + 16_000), 16_000);
    expect(score).toBeGreaterThan(0.95);
    const inbound = recorders
      .eventsOf(callId)
      .filter((e) => e.event === 'egress_stopped' && e.direction === 'inbound');
    expect(inbound).toEqual([expect.objectContaining({ target: 'e2e-bot', format: 'jambonz' })]);
  });

  it('stops gracefully with exit status 0', async () => {
    const egress = stack.streamEgress as NonNullable<BridgeStack['streamEgress']>;
    const result = await egress.stop();
    expect(result.code).toBe(0);
    expect(result.stopMs).toBeLessThan(10_000);
    // Tokens and secrets never reach the logs, the config line included.
    const logs = egress.logs();
    expect(logs).toMatch(/stream-egress listening/);
    for (const secret of [RECEIVER_TOKEN, RECEIVER_SECRET, CLIENT_TOKEN]) {
      expect(logs).not.toContain(secret);
    }
  });
});
