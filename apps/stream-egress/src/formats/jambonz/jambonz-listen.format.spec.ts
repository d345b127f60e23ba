import type { AudioFrame, AudioTrack } from '@asb/contracts';
import type { LiveCall } from '../../calls/live-call';
import type { MediaUnit } from '../egress-format';
import { JambonzListenFormat } from './jambonz-listen.format';

function liveCall(taps: AudioTrack[]): LiveCall {
  return {
    callId: 'pbx1-1732451234-56',
    server: 'pbx1',
    channelId: '1732451234.56',
    channelName: 'SIP/carrier-00000001',
    direction: 'inbound',
    callerNumber: '+15551230001',
    calleeNumber: '8005550100',
    vicidial: {
      callCode: 'Y1124150300000012345',
      callType: 'Y',
      leadId: 12345,
      campaign: 'SUPPORT',
    },
    taps: new Map(taps.map((t) => [t, { sampleRate: 8000, codec: 'ulaw' }])),
    keyPresses: 0,
    firstSeenAt: 0,
    lastEventAt: 0,
    ended: false,
  };
}

function frame(value: number, sequence: number, sampleRate: 8000 | 16000 = 8000): AudioFrame {
  const samples = new Int16Array(sampleRate / 50).fill(value);
  return {
    sequence,
    timestamp: sequence * samples.length,
    sampleRate,
    codec: 'ulaw',
    frameMs: 20,
    pcm: new Uint8Array(samples.buffer),
  };
}

const pcm = (unit: MediaUnit) =>
  new Int16Array(unit.payload.buffer, unit.payload.byteOffset, unit.payload.length / 2);

describe("jambonz listen format (checked against jambonz's listen protocol)", () => {
  it('asks for the audio.jambonz.org subprotocol and sends one JSON preamble with the call', () => {
    const format = new JambonzListenFormat('MZabc', 'AC0', 16000, 'stereo', 0);
    expect(format.subprotocol).toBe('audio.jambonz.org');
    expect(format.greeting()).toEqual([]);
    const [preamble] = format.start(liveCall(['caller', 'agent']));
    expect(JSON.parse(preamble as string)).toEqual({
      callSid: 'pbx1-1732451234-56',
      direction: 'inbound',
      from: '+15551230001',
      to: '8005550100',
      callId: 'pbx1-1732451234-56',
      callStatus: 'in-progress',
      sipStatus: 200,
      accountSid: 'AC0',
      caller_name: '',
      sampleRate: 16000,
      mixType: 'stereo',
      streamId: 'MZabc',
      server: 'pbx1',
      channelName: 'SIP/carrier-00000001',
      callCode: 'Y1124150300000012345',
      callType: 'Y',
      leadId: 12345,
      campaign: 'SUPPORT',
    });
    expect(format.stop()).toEqual([]);
  });

  it("tells of a key pressed as jambonz's passDtmf text frame, without the key when it is masked", () => {
    const format = new JambonzListenFormat('MZabc', 'AC0', 16000, 'mono', 0);
    expect(
      JSON.parse(format.keyPress({ track: 'caller', digit: '#', durationMs: 120 }) as string),
    ).toEqual({ event: 'dtmf', dtmf: '#', duration: '960' });
    expect(JSON.parse(format.keyPress({ track: 'caller', durationMs: 100 }) as string)).toEqual({
      event: 'dtmf',
      masked: true,
      duration: '800',
    });
  });

  it('sends mono as the customer alone, resampled, as binary PCM16LE', () => {
    const format = new JambonzListenFormat('MZabc', 'AC0', 24000, 'mono', 0);
    format.tapsChanged(new Set(['caller', 'agent']));
    const out: MediaUnit[] = [];
    format.accept('agent', frame(500, 0), 0, (u) => out.push(u));
    expect(out).toEqual([]);
    format.accept('caller', frame(700, 0), 0, (u) => out.push(u));
    format.accept('caller', frame(700, 1), 20, (u) => out.push(u));
    const samples = out.flatMap((u) => [...pcm(u)]);
    expect(samples.length).toBeGreaterThanOrEqual(2 * 480 - 3);
    expect(samples.slice(3).every((v) => v === 700)).toBe(true);
    expect(Buffer.isBuffer(format.serialize(out[0]))).toBe(true);
  });

  it('interleaves the customer left and the agent right in stereo', () => {
    const format = new JambonzListenFormat('MZabc', 'AC0', 8000, 'stereo', 0);
    format.tapsChanged(new Set(['caller', 'agent']));
    const out: MediaUnit[] = [];
    format.accept('caller', frame(100, 0), 0, (u) => out.push(u));
    format.accept('agent', frame(-200, 0), 0, (u) => out.push(u));
    expect(out).toHaveLength(1);
    const samples = [...pcm(out[0])];
    expect(samples).toHaveLength(320);
    expect(samples.slice(0, 6)).toEqual([100, -200, 100, -200, 100, -200]);
  });

  it('lines the agent up with the customer by capture time, not by arrival', () => {
    const startedAt = performance.now() - 5000;
    const format = new JambonzListenFormat('MZabc', 'AC0', 8000, 'stereo', startedAt);
    format.tapsChanged(new Set(['caller', 'agent']));
    const out: MediaUnit[] = [];
    const capturedFrom = Date.now() - 2000;
    // Both tracks' frames arrive together, but the agent's audio was captured 40 ms later.
    for (let i = 0; i < 3; i += 1) {
      const caller = { ...frame(100, i), capturedAt: capturedFrom + i * 20, runId: 'c' };
      format.accept('caller', caller, performance.now(), (u) => out.push(u));
    }
    for (let i = 0; i < 3; i += 1) {
      const agent = { ...frame(-200, i), capturedAt: capturedFrom + 40 + i * 20, runId: 'a' };
      format.accept('agent', agent, performance.now(), (u) => out.push(u));
    }
    const right = out.flatMap((u) => [...pcm(u)].filter((_, i) => i % 2 === 1));
    expect(right).toEqual([...new Array(320).fill(0), ...new Array(160).fill(-200)]);
  });

  it('sums both tracks in mixed, or passes a mixed tap through', () => {
    const mixed = new JambonzListenFormat('MZabc', 'AC0', 8000, 'mixed', 0);
    mixed.tapsChanged(new Set(['caller', 'agent']));
    const out: MediaUnit[] = [];
    mixed.accept('caller', frame(100, 0), 0, (u) => out.push(u));
    mixed.accept('agent', frame(-30, 0), 0, (u) => out.push(u));
    expect([...pcm(out[0])].slice(0, 3)).toEqual([70, 70, 70]);
    const tapMixed = new JambonzListenFormat('MZabc', 'AC0', 8000, 'mixed', 0);
    tapMixed.tapsChanged(new Set(['mixed']));
    const passed: MediaUnit[] = [];
    tapMixed.accept('mixed', frame(55, 0), 0, (u) => passed.push(u));
    expect([...pcm(passed[0])].every((v) => v === 55)).toBe(true);
    expect(tapMixed.tracks).toEqual(['mixed']);
  });
});
