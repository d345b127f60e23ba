import { BoundedQueue } from './bounded-queue';

describe('BoundedQueue', () => {
  it('keeps order and evicts the oldest item when full', () => {
    const queue = new BoundedQueue<number>(3);
    expect([queue.push(1), queue.push(2), queue.push(3)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(queue.push(4)).toBe(1);
    expect(queue.length).toBe(3);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([
      2,
      3,
      4,
      undefined,
    ]);
  });

  it('clears and counts what it held', () => {
    const queue = new BoundedQueue<string>(2);
    queue.push('a');
    queue.push('b');
    expect(queue.clear()).toBe(2);
    expect(queue.length).toBe(0);
    queue.push('c');
    expect(queue.shift()).toBe('c');
  });

  it('refuses a capacity below one', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
