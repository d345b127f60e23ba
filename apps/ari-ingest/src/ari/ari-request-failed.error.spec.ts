import { AriRequestFailed } from './ari-request-failed.error';

describe('AriRequestFailed', () => {
  it.each([
    [422, '{"message":"Channel not in Stasis application"}', 'Channel not in Stasis application'],
    [404, '{"message":"Provided channel was not found"}', 'Provided channel was not found'],
    [500, '<html>Internal Server Error</html>', '<html>Internal Server Error</html>'],
    [503, '', 'HTTP 503'],
  ])('keeps the status %s and the message of %s', (status, body, message) => {
    const failure = AriRequestFailed.fromReply('bridges.addChannel', status, body);
    expect({ status: failure.status, message: failure.message }).toEqual({
      status,
      message: `bridges.addChannel: ${message}`,
    });
  });

  it('tells not-found and not-in-Stasis apart', () => {
    expect(AriRequestFailed.fromReply('x', 404, '{"message":"Channel not found"}').notFound).toBe(
      true,
    );
    expect(AriRequestFailed.fromReply('x', 422, '{"message":"x"}').notInStasis).toBe(true);
    expect(new AriRequestFailed('x', undefined, 'no answer').notFound).toBe(false);
  });
});
