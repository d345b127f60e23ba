import type { JsMsg } from 'nats';
import { HeldDeliveries } from './held-deliveries';

/** A delivery of stream message `seq`; only its identity matters here. */
const delivery = (seq: number, redeliveryCount = 1) =>
  ({ seq, info: { redeliveryCount } }) as unknown as JsMsg;

describe('HeldDeliveries', () => {
  it('holds each message once, however often it is redelivered, and settles the newest delivery', () => {
    const held = new HeldDeliveries<string>(10);
    let decoded = 0;
    const decode = () => `item-${(decoded += 1)}`;
    expect(held.receive(delivery(1), decode)).toBe('held');
    expect(held.receive(delivery(2), decode)).toBe('held');
    const again = delivery(1, 2);
    expect(held.receive(again, decode)).toBe('merged');
    expect(decoded).toBe(2);

    const [first] = held.takeBatch(1);
    expect(first).toEqual({ message: again, item: 'item-1' });
    // Redelivered while its batch is being written: still one message, settled through the newest.
    const third = delivery(1, 3);
    expect(held.receive(third, decode)).toBe('merged');
    expect(first.message).toBe(third);
    expect(held.waitingCount).toBe(1);
    expect(held.all()).toHaveLength(2);
    held.settleBatch();
    expect(held.all().map((h) => h.message.seq)).toEqual([2]);
  });

  it('never holds more than its capacity', () => {
    const held = new HeldDeliveries<number>(3);
    for (let seq = 1; seq <= 3; seq += 1)
      expect(held.receive(delivery(seq), () => seq)).toBe('held');
    expect(held.receive(delivery(4), () => 4)).toBe('full');
    expect(held.receive(delivery(2, 2), () => 2)).toBe('merged');
    held.takeBatch(2);
    expect(held.receive(delivery(5), () => 5)).toBe('full');
    held.settleBatch();
    expect(held.receive(delivery(5), () => 5)).toBe('held');
    expect(held.takeBatch(10).map((h) => h.item)).toEqual([3, 5]);
  });
});
