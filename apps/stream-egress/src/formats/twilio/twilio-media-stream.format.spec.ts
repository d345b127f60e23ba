import { ulawDecode } from '@asb/rtp';
import type { AudioFrame } from '@asb/contracts';
import type { LiveCall } from '../../calls/live-call';
import type { MediaUnit } from '../egress-format';
import { TwilioMediaStreamFormat } from './twilio-media-stream.format';

const SID = 'MZ0123456789abcdef0123456789abcdef';
const ACCOUNT = 'AC00000000000000000000000000000000';

function liveCall(): LiveCall {
  return {
    callId: 'pbx1-1732451234-56',
    server: 'pbx1',
    channelId: '1732451234.56',
    channelName: 'SIP/carrier-00000001',
    direction: 'outbound',
    callerNumber: '+15551230001',
    calleeNumber: '8005550100',
    vicidial: {
      callCode: 'V1124150300000012345',
      callType: 'V',
      leadId: 12345,
      campaign: 'SALES',
      agent: 'a7',
    },
    taps: new Map(),
    keyPresses: 0,
    firstSeenAt: 0,
    lastEventAt: 0,
    ended: false,
  };
}

function frame(samples: Int16Array, sequence: number, sampleRate: 8000 | 16000 = 8000): AudioFrame {
  return {
    sequence,
    timestamp: sequence * samples.length,
    sampleRate,
    codec: sampleRate === 8000 ? 'ulaw' : 'slin16',
    frameMs: 20,
    pcm: new Uint8Array(samples.buffer),
  };
}

function units(
  format: TwilioMediaStreamFormat,
  ...args: Parameters<TwilioMediaStreamFormat['accept']>
): MediaUnit[] {
  void format;
  const out: MediaUnit[] = [];
  args[3] = (unit) => out.push(unit);
  format.accept(...args);
  return out;
}

describe("Twilio Media Streams format (checked against Twilio's published message shapes)", () => {
  it('opens with connected, then start carrying the call, the tracks, mediaFormat and customParameters', () => {
    const format = new TwilioMediaStreamFormat(SID, ACCOUNT, ['caller', 'agent'], 0);
    const [connected] = format.greeting();
    expect(JSON.parse(connected as string)).toEqual({
      event: 'connected',
      protocol: 'Call',
      version: '1.0.0',
    });
    const [start] = format.start(liveCall());
    expect(JSON.parse(start as string)).toEqual({
      event: 'start',
      sequenceNumber: '1',
      start: {
        accountSid: ACCOUNT,
        streamSid: SID,
        callSid: 'pbx1-1732451234-56',
        tracks: ['inbound', 'outbound'],
        customParameters: {
          callId: 'pbx1-1732451234-56',
          server: 'pbx1',
          channelName: 'SIP/carrier-00000001',
          direction: 'outbound',
          callerNumber: '+15551230001',
          calleeNumber: '8005550100',
          callCode: 'V1124150300000012345',
          callType: 'V',
          leadId: '12345',
          campaign: 'SALES',
          agent: 'a7',
        },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: SID,
    });
  });

  it('sends each track as media: inbound = the customer, outbound = what the customer hears', () => {
    const format = new TwilioMediaStreamFormat(SID, ACCOUNT, ['caller', 'agent'], 1000);
    format.greeting();
    format.start(liveCall());
    const samples = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    const [caller1] = units(format, 'caller', frame(samples, 0), 1010, () => undefined);
    const [agent1] = units(format, 'agent', frame(samples, 0), 1015, () => undefined);
    const [caller2] = units(format, 'caller', frame(samples, 1), 1031, () => undefined);
    const messages = [caller1, agent1, caller2].map((unit) =>
      JSON.parse(format.serialize(unit) as string),
    );
    expect(
      messages.map((m) => [m.sequenceNumber, m.media.track, m.media.chunk, m.media.timestamp]),
    ).toEqual([
      ['2', 'inbound', '1', '10'],
      ['3', 'outbound', '1', '15'],
      ['4', 'inbound', '2', '30'],
    ]);
    for (const message of messages) {
      expect(Object.keys(message)).toEqual(['event', 'sequenceNumber', 'media', 'streamSid']);
      expect(Object.keys(message.media)).toEqual(['track', 'chunk', 'timestamp', 'payload']);
      expect(message).toMatchObject({ event: 'media', streamSid: SID });
    }
    const payload = Buffer.from(messages[0].media.payload, 'base64');
    expect(payload).toHaveLength(160);
    const decoded = [...payload].map(ulawDecode);
    decoded.forEach((value, i) => expect(Math.abs(value - samples[i])).toBeLessThan(300));
  });

  it('turns 16 kHz frames into 8 kHz u-law', () => {
    const format = new TwilioMediaStreamFormat(SID, ACCOUNT, ['caller'], 0);
    const out = units(
      format,
      'caller',
      frame(new Int16Array(320).fill(1000), 0, 16000),
      0,
      () => undefined,
    );
    expect(out[0].payload.length).toBeGreaterThanOrEqual(159);
    expect(out[0].payload.length).toBeLessThanOrEqual(161);
  });

  it('leaves out tracks it was not asked for, and maps a mixed tap to inbound', () => {
    const format = new TwilioMediaStreamFormat(SID, ACCOUNT, ['mixed'], 0);
    expect(units(format, 'caller', frame(new Int16Array(160), 0), 0, () => undefined)).toEqual([]);
    expect(units(format, 'mixed', frame(new Int16Array(160), 0), 0, () => undefined)[0].track).toBe(
      'inbound',
    );
    expect(JSON.parse(format.start(liveCall())[0] as string).start.tracks).toEqual(['inbound']);
  });

  it('ends with stop, and answers a mark with the same mark', () => {
    const format = new TwilioMediaStreamFormat(SID, ACCOUNT, ['caller'], 0);
    format.greeting();
    format.start(liveCall());
    const mark = format.answer(
      Buffer.from(JSON.stringify({ event: 'mark', streamSid: SID, mark: { name: 'utterance-1' } })),
      false,
    );
    expect(JSON.parse(mark as string)).toEqual({
      event: 'mark',
      sequenceNumber: '2',
      streamSid: SID,
      mark: { name: 'utterance-1' },
    });
    expect(format.answer(Buffer.from('{"event":"clear","streamSid":"x"}'), false)).toBeUndefined();
    expect(format.answer(Buffer.from('not json'), false)).toBeUndefined();
    expect(JSON.parse(format.stop(liveCall())[0] as string)).toEqual({
      event: 'stop',
      sequenceNumber: '3',
      stop: { accountSid: ACCOUNT, callSid: 'pbx1-1732451234-56' },
      streamSid: SID,
    });
  });

  it("tells of a key pressed as Twilio's dtmf message, without the key when it is masked", () => {
    const format = new TwilioMediaStreamFormat(SID, ACCOUNT, ['caller'], 0);
    format.greeting();
    format.start(liveCall());
    expect(
      JSON.parse(format.keyPress({ track: 'caller', digit: '5', durationMs: 120 }) as string),
    ).toEqual({
      event: 'dtmf',
      streamSid: SID,
      sequenceNumber: '2',
      dtmf: { track: 'inbound_track', digit: '5' },
    });
    const masked = format.keyPress({ track: 'caller', durationMs: 120 }) as string;
    expect(JSON.parse(masked)).toEqual({
      event: 'dtmf',
      streamSid: SID,
      sequenceNumber: '3',
      dtmf: { track: 'inbound_track', masked: true },
    });
  });

  it('numbers every connection from 1 again, and keeps the timeline going', () => {
    const format = new TwilioMediaStreamFormat(SID, ACCOUNT, ['caller'], 0);
    format.greeting();
    format.start(liveCall());
    const first = units(format, 'caller', frame(new Int16Array(160), 0), 5, () => undefined)[0];
    expect(JSON.parse(format.serialize(first) as string).sequenceNumber).toBe('2');
    format.greeting();
    expect(JSON.parse(format.start(liveCall())[0] as string).sequenceNumber).toBe('1');
    const later = units(format, 'caller', frame(new Int16Array(160), 50), 1005, () => undefined)[0];
    const message = JSON.parse(format.serialize(later) as string);
    expect(message.sequenceNumber).toBe('2');
    expect(message.media.chunk).toBe('1');
    expect(message.media.timestamp).toBe('1005');
  });
});
