import { PortPool } from './port-pool';

describe('PortPool', () => {
  it('hands out every port once, then nothing', () => {
    const pool = new PortPool(5000, 5002);
    expect([pool.take(), pool.take(), pool.take(), pool.take()]).toEqual([
      5000,
      5001,
      5002,
      undefined,
    ]);
  });

  it('goes round the range, so a port given back is the last to be taken again', () => {
    const pool = new PortPool(5000, 5003);
    const first = pool.take();
    pool.take();
    pool.give(first as number);
    expect([pool.take(), pool.take(), pool.take()]).toEqual([5002, 5003, 5000]);
    expect(pool.take()).toBeUndefined();
  });

  it('works with a single port', () => {
    const pool = new PortPool(7000, 7000);
    expect(pool.take()).toBe(7000);
    expect(pool.take()).toBeUndefined();
    pool.give(7000);
    expect(pool.take()).toBe(7000);
  });
});
