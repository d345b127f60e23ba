import { randomUUID } from 'node:crypto';
import { ContractViolation } from '../contract-violation.error';
import { deterministicEventId } from '../ids/event-id';
import { CALL_EVENT_TYPES, CallEventType } from '../subjects/subject-names';
import { CALL_EVENT_MAX_BYTES, CallEvent, TapStarted } from './call-event.schema';
import { decodeCallEvent, encodeCallEvent } from './json-codec';

const base = {
  schemaVersion: 1,
  occurredAt: '2026-11-24T15:13:38.921+00:00',
  callId: 'pbx1-1732451234-56',
  server: 'pbx1',
  asteriskId: '02:fc:00:00:00:01',
  channelId: '1732451234.56',
  channelName: 'SIP/carrier-00000012',
};

const vicidial = {
  callCode: 'V1124150300000012345',
  callType: 'V',
  leadId: 12345,
  codeTime: '1124150300',
};

/** One valid example of every event type. */
export function exampleEvent(event: CallEventType): CallEvent {
  const eventId = deterministicEventId(base.callId, event);
  switch (event) {
    case 'started':
      return {
        ...base,
        eventId,
        event,
        direction: 'outbound',
        channelState: 'Down',
        callerNumber: '3125551234',
        calleeNumber: '3125559876',
        context: 'default',
        exten: '913125559876',
      };
    case 'answered':
      return { ...base, eventId, event, callerName: 'V1124150300000012345', vicidial };
    case 'updated':
      return {
        ...base,
        eventId,
        event,
        vicidial: {
          ...vicidial,
          campaign: 'SALES',
          campaignName: 'Outbound sales',
          listId: 101,
          agent: '1001',
          agentName: 'Ada Agent',
          agentPhone: 'SIP/1001',
          conference: '9600051',
        },
      };
    case 'tap_started':
      return {
        ...base,
        eventId,
        event,
        track: 'caller',
        codec: 'ulaw',
        sampleRate: 8000,
        gateway: { gatewayId: 'gw-a', host: '127.0.0.1', port: 40000 },
        snoopChannelId: 'asb-snoop-1',
        externalMediaChannelId: 'asb-em-1',
        bridgeId: 'asb-br-1',
      };
    case 'tap_stopped':
      return { ...base, eventId, event, track: 'agent', reason: 'call_ended' };
    case 'tap_failed':
      return {
        ...base,
        eventId,
        event,
        track: 'caller',
        stage: 'bridge',
        error: 'Channel not in Stasis application',
        attempts: 3,
      };
    case 'egress_started':
      return {
        ...base,
        eventId,
        event,
        direction: 'outbound',
        target: 'wss://ai.example.com/media',
        format: 'twilio',
        streamId: 'MZ0123456789abcdef0123456789abcdef',
        tracks: ['caller', 'agent'],
      };
    case 'egress_stopped':
      return {
        ...base,
        eventId,
        event,
        direction: 'inbound',
        target: 'client-7',
        format: 'jambonz',
        streamId: 'egress-1',
        reason: 'call_ended',
        framesSent: 1500,
        framesDropped: 0,
        reconnects: 0,
      };
    case 'not_tapped':
      return { ...base, eventId, event, track: 'caller', reason: 'tap_limit', limit: 40 };
    case 'ended':
      return { ...base, eventId, event, cause: 16, causeText: 'Normal Clearing' };
    case 'disposition':
      return {
        ...base,
        eventId,
        event,
        vicidial: { ...vicidial, campaign: 'SALES', status: 'SALE', termReason: 'AGENT' },
      };
    case 'audio_verdict':
      return {
        ...base,
        eventId,
        event,
        verdict: 'suspect_format',
        state: 'raised',
        track: 'caller',
        since: '2026-12-04T12:00:05.000Z',
        suspectFormat: 'broadband_noise',
        detail: 'loud noise instead of speech: byte-swapped PCM or the wrong codec',
      };
    case 'talk_summary':
      return {
        ...base,
        eventId,
        event,
        heardS: 61.2,
        customerTalkS: 30.1,
        agentTalkS: 25.4,
        overlapS: 2.3,
        longestSilenceS: 4.5,
      };
    case 'dtmf':
      return { ...base, eventId, event, track: 'caller', masked: true, durationMs: 120, index: 1 };
  }
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContractViolation) return error.reason;
    throw error;
  }
  throw new Error('expected a ContractViolation');
}

describe('call events', () => {
  it.each(CALL_EVENT_TYPES)('round-trips a %s event through subject and JSON', (type) => {
    const event = exampleEvent(type);
    const { subject, data } = encodeCallEvent(event);
    expect(subject).toBe(`call.v1.${event.callId}.${type}`);
    expect(decodeCallEvent(subject, data)).toEqual(event);
  });

  it('takes a clear press with its digit and a masked one without, never a mix', () => {
    const press = exampleEvent('dtmf');
    const subject = `call.v1.${press.callId}.dtmf`;
    expect(decodeCallEvent(subject, json({ ...press, masked: false, digit: '#' }))).toMatchObject({
      digit: '#',
    });
    for (const wrong of [
      { masked: true, digit: '5' },
      { masked: false },
      { masked: false, digit: 'E' },
      { masked: false, digit: '12' },
    ]) {
      expect(reasonOf(() => decodeCallEvent(subject, json({ ...press, ...wrong })))).toBe(
        'invalid_payload',
      );
    }
  });

  it('carries the replay mark of a replayed call and refuses a malformed one', () => {
    const replayed = {
      ...exampleEvent('started'),
      replay: { of: 'pbx1-1732451234-56', session: '0f8fad5b-d9cb-469f-a165-70867728950e' },
    };
    const subject = `call.v1.${replayed.callId}.started`;
    expect(decodeCallEvent(subject, json(replayed)).replay?.of).toBe('pbx1-1732451234-56');
    expect(
      reasonOf(() =>
        decodeCallEvent(subject, json({ ...replayed, replay: { of: 'a.b', session: 'x' } })),
      ),
    ).toBe('invalid_payload');
  });

  it.each(CALL_EVENT_TYPES)('rejects a %s event without its eventId', (type) => {
    const { eventId: _eventId, ...rest } = exampleEvent(type);
    const subject = `call.v1.${rest.callId}.${type}`;
    expect(reasonOf(() => decodeCallEvent(subject, json(rest)))).toBe('invalid_payload');
  });

  it.each([
    ['eventId', 'not-a-uuid'],
    ['occurredAt', 'yesterday'],
    ['occurredAt', 1732451234],
    ['schemaVersion', '1'],
    ['schemaVersion', 0],
    ['server', ''],
    ['channelId', 42],
    ['callerNumber', 'x'.repeat(65)],
    ['direction', 'sideways'],
  ])('rejects a started event whose %s is %j', (field, value) => {
    const event = { ...exampleEvent('started'), [field]: value };
    expect(reasonOf(() => decodeCallEvent('call.v1.pbx1-1732451234-56.started', json(event)))).toBe(
      'invalid_payload',
    );
  });

  it.each([
    ['track', 'customer'],
    ['codec', 'opus'],
    ['sampleRate', 44100],
    ['gateway', { gatewayId: 'gw', host: '127.0.0.1', port: 70000 }],
  ])('rejects a tap_started event whose %s is %j', (field, value) => {
    const event = { ...exampleEvent('tap_started'), [field]: value };
    expect(
      reasonOf(() => decodeCallEvent('call.v1.pbx1-1732451234-56.tap_started', json(event))),
    ).toBe('invalid_payload');
  });

  it('reads an AudioSocket tap_started, and an RTP one of versions before transports', () => {
    const { gateway: _gateway, ...rtp } = exampleEvent('tap_started') as TapStarted;
    const audioSocket = {
      ...rtp,
      transport: 'audiosocket',
      audioSocket: { uuid: '4c7d1f2e-9a3b-4e5f-8a6b-1c2d3e4f5a6b', address: 'gateways.asb:9092' },
    };
    const subject = 'call.v1.pbx1-1732451234-56.tap_started';
    expect(decodeCallEvent(subject, json(audioSocket))).toMatchObject({ transport: 'audiosocket' });
    expect(decodeCallEvent(subject, json(exampleEvent('tap_started')))).toMatchObject({
      gateway: { gatewayId: 'gw-a' },
    });
  });

  it.each([
    ['an RTP tap without its gateway', { gateway: undefined }],
    [
      'an AudioSocket tap naming a gateway',
      { transport: 'audiosocket', audioSocket: { uuid: randomUUID(), address: 'gw:9092' } },
    ],
    ['an AudioSocket tap without its endpoint', { transport: 'audiosocket', gateway: undefined }],
  ])('rejects %s', (_case, change) => {
    const event = { ...exampleEvent('tap_started'), ...change };
    expect(
      reasonOf(() => decodeCallEvent('call.v1.pbx1-1732451234-56.tap_started', json(event))),
    ).toBe('invalid_payload');
  });

  it('rejects a body whose callId is not a subject token', () => {
    const event = { ...exampleEvent('ended'), callId: 'pbx1.1732451234.56' };
    expect(reasonOf(() => decodeCallEvent('call.v1.pbx1-1732451234-56.ended', json(event)))).toBe(
      'invalid_payload',
    );
    expect(() => encodeCallEvent(event as CallEvent)).toThrow(ContractViolation);
  });

  it('rejects a body that disagrees with its subject', () => {
    const event = exampleEvent('ended');
    expect(reasonOf(() => decodeCallEvent('call.v1.pbx1-1732451234-56.started', json(event)))).toBe(
      'subject_payload_mismatch',
    );
    expect(reasonOf(() => decodeCallEvent('call.v1.other-1.ended', json(event)))).toBe(
      'subject_payload_mismatch',
    );
  });

  it('rejects malformed JSON, invalid UTF-8 and oversized bodies', () => {
    const subject = 'call.v1.pbx1-1732451234-56.ended';
    expect(reasonOf(() => decodeCallEvent(subject, new TextEncoder().encode('{"event":')))).toBe(
      'malformed_json',
    );
    expect(reasonOf(() => decodeCallEvent(subject, Uint8Array.from([0x7b, 0xff, 0x7d])))).toBe(
      'malformed_json',
    );
    const huge = { ...exampleEvent('ended'), causeText: 'x'.repeat(CALL_EVENT_MAX_BYTES) };
    expect(reasonOf(() => decodeCallEvent(subject, json(huge)))).toBe('oversized_payload');
  });

  it('drops unknown fields so newer producers do not break older consumers', () => {
    const event = { ...exampleEvent('answered'), futureField: true };
    const decoded = decodeCallEvent('call.v1.pbx1-1732451234-56.answered', json(event));
    expect(decoded).toEqual(exampleEvent('answered'));
  });

  it('refuses to encode an invalid event, so nothing invalid is ever published', () => {
    const event = { ...exampleEvent('ended'), cause: 300 } as CallEvent;
    expect(() => encodeCallEvent(event)).toThrow(/cause/);
  });
});
