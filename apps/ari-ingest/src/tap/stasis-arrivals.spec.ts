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

  it('is resynchronised from GET /channels, keeping arrivals newer than the list', async () => {
    const arrivals = new StasisArrivals();
    arrivals.arrived('old', 1);
    arrivals.arrived('new', 20);
    arrivals.resync(['x', 'y'], 10);
    expect(['old', 'new', 'x', 'y'].map((id) => arrivals.has(id))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    await expect(arrivals.waitFor(['x', 'y', 'new'], 10)).resolves.toBe(true);
  });
});
