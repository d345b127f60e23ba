import { StasisArrivals } from './stasis-arrivals';

describe('StasisArrivals', () => {
  it('sees a StasisStart that came before the wait began (it can beat the HTTP reply)', async () => {
    const arrivals = new StasisArrivals();
    arrivals.arrived('a');
    const both = arrivals.waitFor(['a', 'b'], 1000);
    arrivals.arrived('b');
    await expect(both).resolves.toBe(true);
  });

  it('times out when a channel never arrives, and forgets channels that left', async () => {
    const arrivals = new StasisArrivals();
    arrivals.arrived('a');
    arrivals.left('a');
    await expect(arrivals.waitFor(['a'], 30)).resolves.toBe(false);
  });

  it('is reset to what GET /channels shows after a reconnect', async () => {
    const arrivals = new StasisArrivals();
    arrivals.arrived('old');
    arrivals.reset(['x', 'y']);
    expect([arrivals.has('old'), arrivals.has('x'), arrivals.has('y')]).toEqual([
      false,
      true,
      true,
    ]);
    await expect(arrivals.waitFor(['x', 'y'], 10)).resolves.toBe(true);
  });
});
