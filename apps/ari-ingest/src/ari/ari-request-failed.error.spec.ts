import { AriRequestFailed } from './ari-request-failed.error';

describe('AriRequestFailed', () => {
  it.each([
    ['{"message":"Channel not in Stasis application"}', 422, 'Channel not in Stasis application'],
    ['{"message":"Provided channel was not found"}', 404, 'Provided channel was not found'],
    ['{"message":"Bridge not found"}', 404, 'Bridge not found'],
    [
      '{"message":"An internal error prevented this request from being handled"}',
      500,
      'An internal error prevented this request from being handled',
    ],
    ['connect ECONNREFUSED 127.0.0.1:8088', undefined, 'connect ECONNREFUSED 127.0.0.1:8088'],
  ])('recovers the meaning of %s from ari-client', (body, status, message) => {
    const failure = AriRequestFailed.from('bridges.addChannel', new Error(body));
    expect({ status: failure.status, message: failure.message }).toEqual({
      status,
      message: `bridges.addChannel: ${message}`,
    });
  });

  it('tells not-found and not-in-Stasis apart', () => {
    expect(AriRequestFailed.from('x', new Error('{"message":"Channel not found"}')).notFound).toBe(
      true,
    );
    expect(
      AriRequestFailed.from('x', new Error('{"message":"Channel not in Stasis application"}'))
        .notInStasis,
    ).toBe(true);
  });
});
