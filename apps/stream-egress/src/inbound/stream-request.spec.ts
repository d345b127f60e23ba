import { parseStreamRequest } from './stream-request';

const parse = (query: string, protocols: string[] = []) =>
  parseStreamRequest(new URLSearchParams(query), new Set(protocols));

describe('parseStreamRequest', () => {
  it('reads a call, a format and its options, with twilio as the default', () => {
    expect(parse('call=pbx1-1-2')).toEqual({
      ok: true,
      request: {
        call: 'pbx1-1-2',
        format: 'twilio',
        tracks: ['caller'],
        sampleRate: 8000,
        mixType: 'mono',
        campaigns: undefined,
        callTypes: undefined,
        replays: 'include',
      },
    });
    expect(
      parse('call=next&format=jambonz&sampleRate=16000&mixType=stereo&campaign=A,B'),
    ).toMatchObject({
      ok: true,
      request: {
        call: 'next',
        format: 'jambonz',
        sampleRate: 16000,
        mixType: 'stereo',
        campaigns: ['A', 'B'],
      },
    });
  });

  it("reads whether a next-call client takes the replay tool's calls, and refuses other words", () => {
    expect(parse('call=next&replays=only')).toMatchObject({ request: { replays: 'only' } });
    expect(parse('call=next&replays=exclude')).toMatchObject({ request: { replays: 'exclude' } });
    expect(parse('call=next&replays=never')).toEqual({
      ok: false,
      error: 'replays must be one of include, exclude, only',
    });
  });

  it('reads how many seconds of recent audio to send first (0: none)', () => {
    expect(parse('call=next&recent=10')).toMatchObject({ request: { recentSeconds: 10 } });
    expect(parse('call=next&recent=2.5')).toMatchObject({ request: { recentSeconds: 2.5 } });
    expect(parse('call=next&recent=0')).toMatchObject({ request: { recentSeconds: undefined } });
  });

  it('picks jambonz when the client offers its subprotocol', () => {
    expect(parse('call=next', ['audio.jambonz.org'])).toMatchObject({
      request: { format: 'jambonz' },
    });
  });

  it.each([
    ['', /call is required/],
    ['call=a.b', /callId/],
    ['call=next&format=sip', /format must be/],
    ['call=next&tracks=customer', /tracks must be/],
    ['call=next&sampleRate=44100', /sampleRate must be/],
    ['call=next&mixType=surround', /mixType must be/],
    ['call=next&recent=31', /recent must be seconds from 0 to 30/],
    ['call=next&recent=-1', /recent must be/],
    ['call=next&recent=ten', /recent must be/],
    ['call=next&recent=', /recent must be/],
  ])('refuses %j', (query, error) => {
    const parsed = parse(query);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toMatch(error);
  });
});
