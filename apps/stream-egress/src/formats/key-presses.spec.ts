import WebSocket from 'ws';
import {
  eventually,
  Json,
  startEgress,
  TestBackend,
  TestCall,
  TestEgress,
  TestNats,
} from '../__tests__/egress-harness';

const TOKEN = 'token-kkkkkkkkkkkkkkkk';

/**
 * The dtmf events of a streamed call reach its backends as each format tells of a key: Twilio's
 * `dtmf` message, jambonz's passDtmf text frame; a masked press as the same message without the
 * key. Only presses made while a stream runs are sent, and only to the streams of their call.
 */
describe('key presses go on to the backends of their call', () => {
  let nats: TestNats;
  let twilio: TestBackend;
  let jambonz: TestBackend;
  let egress: TestEgress;

  beforeAll(async () => {
    nats = await TestNats.start();
    twilio = await TestBackend.start();
    jambonz = await TestBackend.start({
      handleProtocols: (protocols) =>
        protocols.has('audio.jambonz.org') ? 'audio.jambonz.org' : false,
    });
    egress = await startEgress(nats, {
      EGRESS_INBOUND_TOKENS: `bot=${TOKEN}`,
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'bots',
          match: { all: true },
          targets: [{ url: twilio.url() }, { url: jambonz.url(), format: 'jambonz' }],
        },
      ]),
    });
  }, 20_000);

  afterAll(async () => {
    await egress.close();
    await twilio.close();
    await jambonz.close();
    await nats.stop();
  });

  const textsOf = (backend: TestBackend, callId: string): Json[] => {
    // Twilio's start names the call in start.callSid, jambonz's preamble in callSid.
    const session = backend.sessions.find((candidate) =>
      candidate.messages.some((m) => (m.json?.['start'] ?? m.json)?.['callSid'] === callId),
    );
    return (session?.messages ?? []).flatMap((m) => (m.json ? [m.json] : []));
  };

  it('sends twilio dtmf and jambonz dtmf messages, the masked ones without the key', async () => {
    const call = new TestCall(nats);
    // A press before the call is streamed is long past when a stream starts: never sent.
    await call.started();
    await call.keyPressed(1, '9');
    await call.tapStarted('caller');
    const other = await new TestCall(nats).begin(['caller']);
    await Promise.all([egress.knows(call.callId), egress.knows(other.callId)]);
    const inboundTexts: Json[] = [];
    const client = new WebSocket(`${egress.wsUrl}/v1/streams?call=${call.callId}`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    client.on('message', (data: Buffer) => inboundTexts.push(JSON.parse(data.toString()) as Json));
    await eventually(
      () =>
        inboundTexts.some((m) => m['event'] === 'start') &&
        textsOf(twilio, call.callId).some((m) => m['event'] === 'start') &&
        textsOf(jambonz, call.callId).length === 1 &&
        textsOf(twilio, other.callId).some((m) => m['event'] === 'start'),
      5000,
      'the streams of both calls started',
    );

    await call.keyPressed(2, '5');
    await call.keyPressed(3);
    await other.keyPressed(1, '7');
    const dtmf = (texts: Json[]) => texts.filter((m) => m['event'] === 'dtmf');
    await eventually(
      () =>
        dtmf(inboundTexts).length === 2 &&
        dtmf(textsOf(twilio, call.callId)).length === 2 &&
        dtmf(textsOf(jambonz, call.callId)).length === 2 &&
        dtmf(textsOf(twilio, other.callId)).length === 1,
      5000,
      'the presses on every stream',
    );
    await Promise.all([call.ended(), other.ended()]);
    await egress.knowsEnded(call.callId);

    for (const texts of [inboundTexts, textsOf(twilio, call.callId)]) {
      const streamSid = texts.find((m) => m['event'] === 'start')?.['streamSid'];
      const [clear, masked] = dtmf(texts);
      expect(clear).toEqual({
        event: 'dtmf',
        streamSid,
        sequenceNumber: expect.stringMatching(/^[0-9]+$/),
        dtmf: { track: 'inbound_track', digit: '5' },
      });
      expect(masked).toEqual({
        event: 'dtmf',
        streamSid,
        sequenceNumber: String(Number(clear['sequenceNumber']) + 1),
        dtmf: { track: 'inbound_track', masked: true },
      });
    }
    expect(dtmf(textsOf(jambonz, call.callId))).toEqual([
      { event: 'dtmf', dtmf: '5', duration: '960' },
      { event: 'dtmf', masked: true, duration: '960' },
    ]);
    // The other call's press went to its own streams only; the early one to none.
    const everything = JSON.stringify([
      inboundTexts,
      textsOf(twilio, call.callId),
      textsOf(jambonz, call.callId),
    ]);
    expect(everything).not.toMatch(/"(digit|dtmf)":"[79]"/);
    expect(dtmf(textsOf(twilio, other.callId))).toEqual([
      expect.objectContaining({ dtmf: { track: 'inbound_track', digit: '7' } }),
    ]);
    client.close();
  });
});
