import { createHmac } from 'node:crypto';
import { signatureHeaders, streamSignature } from './sign-stream-request.util';

describe('stream request signature', () => {
  it('is v1= HMAC-SHA256 of "<unix seconds>.<streamId>" with the target secret', () => {
    const headers = signatureHeaders('a-secret-of-16-chars', 'MZabc', 1_732_451_234_567);
    expect(headers).toEqual({
      'X-ASB-Timestamp': '1732451234',
      'X-ASB-Stream-Id': 'MZabc',
      'X-ASB-Signature': `v1=${createHmac('sha256', 'a-secret-of-16-chars').update('1732451234.MZabc').digest('hex')}`,
    });
  });

  it('changes with the secret, the stream and the time', () => {
    const base = streamSignature('secret-one-123456', 1, 'MZa');
    expect(streamSignature('secret-two-123456', 1, 'MZa')).not.toBe(base);
    expect(streamSignature('secret-one-123456', 1, 'MZb')).not.toBe(base);
    expect(streamSignature('secret-one-123456', 2, 'MZa')).not.toBe(base);
  });
});
