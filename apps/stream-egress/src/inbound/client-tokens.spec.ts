import { ClientTokens } from './client-tokens';

describe('ClientTokens', () => {
  const tokens = new ClientTokens([
    { clientId: 'ai-1', token: 'token-aaaaaaaaaaaaaaaa' },
    { clientId: 'ai-2', token: 'token-bbbbbbbbbbbbbbbb' },
  ]);

  it('knows a client by its bearer token', () => {
    expect(tokens.authenticate('Bearer token-bbbbbbbbbbbbbbbb')).toEqual({
      ok: true,
      clientId: 'ai-2',
    });
    expect(tokens.authenticate('bearer   token-aaaaaaaaaaaaaaaa')).toEqual({
      ok: true,
      clientId: 'ai-1',
    });
  });

  it.each([
    [undefined, 'missing_token'],
    ['', 'missing_token'],
    ['Basic dXNlcjpwYXNz', 'missing_token'],
    ['Bearer token-aaaaaaaaaaaaaaa', 'bad_token'],
    ['Bearer token-aaaaaaaaaaaaaaaaX', 'bad_token'],
    ['Bearer TOKEN-AAAAAAAAAAAAAAAA', 'bad_token'],
  ])('refuses %j as %s', (header, reason) => {
    expect(tokens.authenticate(header)).toEqual({ ok: false, reason });
  });

  it('is disabled without tokens', () => {
    expect(new ClientTokens([]).enabled).toBe(false);
  });
});
