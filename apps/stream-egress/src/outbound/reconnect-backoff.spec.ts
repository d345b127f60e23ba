import { ReconnectBackoff } from './reconnect-backoff';

describe('ReconnectBackoff', () => {
  it('doubles from min to max, jittered down to half, and starts over after a stable connection', () => {
    const top = new ReconnectBackoff(100, 1000, 5000, () => 1);
    expect([top.next(), top.next(), top.next(), top.next(), top.next(), top.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    top.connectionLasted(100);
    expect(top.next()).toBe(1000);
    top.connectionLasted(6000);
    expect(top.next()).toBe(100);
    const bottom = new ReconnectBackoff(100, 1000, 5000, () => 0);
    expect(bottom.next()).toBe(50);
  });
});
