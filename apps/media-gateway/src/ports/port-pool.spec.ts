import { PortPool } from './port-pool';

const takeAll = (pool: PortPool): number[] => {
  const ports: number[] = [];
  for (let port = pool.take(); port !== undefined; port = pool.take()) ports.push(port);
  return ports;
};

describe('PortPool', () => {
  it('hands out every port once, then nothing', () => {
    const pool = new PortPool(5000, 5099);
    const ports = takeAll(pool);
    expect([...ports].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => 5000 + i),
    );
    expect(pool.take()).toBeUndefined();
  });

  it('hands ports out in an order nobody can predict', () => {
    // Two pools drawing the same 1000 ports in the same order: a chance of 1 in 1000!.
    const first = takeAll(new PortPool(40000, 40999));
    const second = takeAll(new PortPool(40000, 40999));
    expect(first).not.toEqual(second);
    // Not in ascending order either, as a counter would hand them out.
    const ascending = first.filter((port, i) => i > 0 && port === first[i - 1] + 1).length;
    expect(ascending).toBeLessThan(100);
  });

  it('lets a port given back rest while at least half of the free ports rested longer', () => {
    for (let round = 0; round < 50; round += 1) {
      const pool = new PortPool(6000, 6009);
      const taken = takeAll(pool);
      for (const port of taken) pool.give(port);
      const [released] = [pool.take() as number];
      pool.give(released);
      // Nine ports rested longer than `released`: it cannot come back within the next four.
      const next = [pool.take(), pool.take(), pool.take(), pool.take()];
      expect(next).not.toContain(released);
    }
  });

  it('works with a single port', () => {
    const pool = new PortPool(7000, 7000);
    expect(pool.take()).toBe(7000);
    expect(pool.take()).toBeUndefined();
    pool.give(7000);
    expect(pool.take()).toBe(7000);
  });
});
