import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { CallDtmf, callEventSchema, callIdFromChannel } from '@asb/contracts';
import { dropMariaDatabase, freePort, freshMariaDatabase } from '@asb/testing';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';

const CAMPAIGNS = ['PAYMENTS', 'SURVEY', 'SALES', 'RENEW'];
const DIGITS = '4111';

/** One answered call per campaign, whose customer types DIGITS 2.5 s into the talk. */
function scenario(seed: number) {
  return {
    totalCalls: CAMPAIGNS.length,
    concurrency: CAMPAIGNS.length,
    arrivalRate: 20,
    ringMs: { min: 100, max: 200 },
    talkMs: { min: 5000, max: 5500 },
    answerRatio: 1,
    mix: { outbound: 1 },
    agentsPerServer: CAMPAIGNS.length,
    campaigns: CAMPAIGNS,
    keyPresses: { digits: DIGITS, durationMs: 80, gapMs: 60, afterMs: 2500 },
    seed,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Twilio message, checked field by field
type Json = Record<string, any>;

type KeyedCall = ScenarioCall & {
  plan: ScenarioCall['plan'] & { campaign: string; keyPresses?: { digits: string } };
};

/**
 * Keys typed on simulated VICIdial calls (ChannelDtmfReceived, as Asterisk sends it when a key
 * is released) through ari-ingest, whose VICIdial database tells each call's campaign: no
 * `dtmf` event by default, masked when on, in the clear or not at all per campaign, and a
 * malformed press counted and dropped; stream-egress passes them on to a Twilio-format backend.
 */
describe('DTMF: key presses become dtmf events only as configured', () => {
  const maria = `asb_e2e_dtmf_${process.pid}_${randomBytes(3).toString('hex')}`;
  const recorders = new NatsRecorders();
  let stack: BridgeStack;
  let backend: WebSocketServer;
  /** What the Twilio-format backend received, by the callSid of each stream's start. */
  const streamed = new Map<string, Json[]>();
  const twilioKeys = (call: ScenarioCall) =>
    (streamed.get(idOf(call)) ?? []).filter((m) => m['event'] === 'dtmf').map((m) => m['dtmf']);
  const idOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);
  const pressesOf = (call: ScenarioCall) =>
    recorders.eventsOf(idOf(call)).filter((e): e is CallDtmf => e.event === 'dtmf');
  const ofCampaign = (calls: KeyedCall[], campaign: string) =>
    calls.find((call) => call.plan.campaign === campaign) as KeyedCall;

  async function played(seed: number, duringCalls?: () => Promise<void>) {
    const id = await stack.startScenario(scenario(seed));
    if (duringCalls) await duringCalls();
    const calls = (await stack.finishScenario(id, 60_000)) as KeyedCall[];
    await recorders.waitFor(
      () =>
        calls.every(
          (call) =>
            recorders.eventsOf(idOf(call)).some((e) => e.event === 'ended') &&
            (streamed.get(idOf(call)) ?? []).some((m) => m['event'] === 'stop'),
        ),
      20_000,
      'every call ended, and its stream stopped',
    );
    // Each call's campaign was known to ari-ingest (from VICIdial's database) before the keys.
    for (const call of calls) {
      expect(
        recorders
          .eventsOf(idOf(call))
          .some((e) => e.event === 'updated' && e.vicidial?.campaign === call.plan.campaign),
      ).toBe(true);
    }
    return calls;
  }

  beforeAll(async () => {
    const vicidialUrl = await freshMariaDatabase(maria);
    await recorders.start();
    const port = await freePort();
    backend = new WebSocketServer({ port, host: '127.0.0.1' });
    backend.on('connection', (ws) => {
      let messages: Json[] = [];
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as Json;
        if (message['event'] === 'start') {
          const known = streamed.get(message['start'].callSid);
          if (known) messages = known;
          else streamed.set(message['start'].callSid, messages);
        }
        messages.push(message);
      });
    });
    stack = new BridgeStack({
      servers: ['pbx1'],
      env: {
        'asterisk-sim': { SIM_VICIDIAL_DB_URL: vicidialUrl },
        'ari-ingest': { VICIDIAL_DB_URL: vicidialUrl, VICIDIAL_DB_POLL_INTERVAL_MS: '250' },
      },
      streamEgress: {
        EGRESS_ROUTES: JSON.stringify([
          { name: 'bot', match: { all: true }, targets: [{ url: `ws://127.0.0.1:${port}/` }] },
        ]),
        // Only calls from now on: the shared NATS holds other runs' history.
        EGRESS_EVENTS_REPLAY_MINUTES: '0',
      },
    });
    await stack.start();
  }, 120_000);

  afterAll(async () => {
    await recorders.stop();
    await stack?.stop();
    stack?.kill();
    for (const client of backend?.clients ?? []) client.terminate();
    backend?.close();
    await dropMariaDatabase(maria);
  });

  it('publishes no dtmf event by default, and does not even ask Asterisk for key presses', async () => {
    const calls = await played(1);
    expect(calls.every((call) => call.plan.keyPresses?.digits === DIGITS)).toBe(true);
    expect(calls.flatMap(pressesOf)).toEqual([]);
    expect(calls.flatMap(twilioKeys)).toEqual([]);
    expect(
      await stack.metric(stack.ingest, 'ari_ingest_ari_events_total', 'type="ChannelDtmfReceived"'),
    ).toBe(0);
  }, 90_000);

  it('with DTMF on: masked presses, clear ones and none per campaign, and a malformed press counted', async () => {
    await stack.ingest.stop();
    stack.ingest = await stack.startIngest({
      DTMF_EVENTS: 'on',
      DTMF_BY_CAMPAIGN: 'PAYMENTS=none,SURVEY=clear',
    });
    await stack.ingest.waitFor('/health/ready', 200, 30_000);
    const calls = await played(2, async () => {
      // While the calls talk: a malformed press on the SALES call, and a key typed through the
      // simulator's control API on the RENEW call (found by what ari-ingest says of them).
      const liveChannelOf = (campaign: string) =>
        recorders.events.find(
          (e) =>
            e.event === 'updated' &&
            e.vicidial?.campaign === campaign &&
            !recorders.eventsOf(e.callId).some((other) => other.event === 'ended'),
        )?.channelId;
      await recorders.waitFor(
        () => liveChannelOf('SALES') !== undefined && liveChannelOf('RENEW') !== undefined,
        20_000,
        'the SALES and RENEW calls up, with their campaigns known',
      );
      await stack.control('POST', `/sim/servers/pbx1/channels/${liveChannelOf('SALES')}/events`, {
        type: 'ChannelDtmfReceived',
        fields: { digit: '12', duration_ms: -5 },
      });
      const typed = await stack.control<{ reported: number }>(
        'POST',
        `/sim/servers/pbx1/channels/${liveChannelOf('RENEW')}/dtmf`,
        { digits: '9', durationMs: 60 },
      );
      expect(typed).toEqual({ reported: 1 });
    });

    const payments = pressesOf(ofCampaign(calls, 'PAYMENTS'));
    const survey = pressesOf(ofCampaign(calls, 'SURVEY'));
    const sales = pressesOf(ofCampaign(calls, 'SALES'));
    const renew = pressesOf(ofCampaign(calls, 'RENEW'));
    expect(payments).toEqual([]);
    expect(survey.map((e) => [e.digit, e.masked, e.index, e.track])).toEqual(
      [...DIGITS].map((digit, i) => [digit, false, i + 1, 'caller']),
    );
    expect(survey.every((e) => e.durationMs === 80)).toBe(true);
    expect(sales.map((e) => [e.digit, e.masked, e.index])).toEqual(
      [...DIGITS].map((_, i) => [undefined, true, i + 1]),
    );
    expect(renew).toHaveLength(DIGITS.length + 1);
    expect(renew.every((e) => e.masked && e.digit === undefined)).toBe(true);
    expect(renew.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    const all = [...survey, ...sales, ...renew];
    for (const event of all) expect(callEventSchema.parse(event)).toEqual(event);
    expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);
    // No masked event carries a key anywhere in it.
    expect(JSON.stringify([...sales, ...renew])).not.toMatch(/"digit"/);

    // The backend heard the keys as Twilio's dtmf messages, as ari-ingest published them.
    expect(twilioKeys(ofCampaign(calls, 'SURVEY'))).toEqual(
      [...DIGITS].map((digit) => ({ track: 'inbound_track', digit })),
    );
    expect(twilioKeys(ofCampaign(calls, 'SALES'))).toEqual(
      [...DIGITS].map(() => ({ track: 'inbound_track', masked: true })),
    );
    expect(twilioKeys(ofCampaign(calls, 'PAYMENTS'))).toEqual([]);

    expect(
      await stack.metric(
        stack.ingest,
        'ari_ingest_ari_events_invalid_total',
        'reason="malformed_dtmf"',
      ),
    ).toBe(1);
    expect((await fetch(`${stack.ingest.baseUrl}/health/live`)).status).toBe(200);
  }, 120_000);
});
