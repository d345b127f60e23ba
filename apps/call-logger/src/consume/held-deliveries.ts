import type { JsMsg } from 'nats';

export interface HeldDelivery<T> {
  /** The newest delivery of the message: the one JetStream waits an acknowledgement for. */
  message: JsMsg;
  item: T;
}

/** What became of a delivery handed to `receive`. */
export type Receipt = 'held' | 'merged' | 'full';

/**
 * The messages received and not yet acknowledged, by stream sequence, in arrival order: those
 * waiting for a batch, and the batch being written. A redelivery of a held message (its write
 * outlasted the ack wait) only replaces the delivery to acknowledge, so a long outage holds each
 * message once, and never more than `capacity` (the consumer's max_ack_pending) of them.
 */
export class HeldDeliveries<T> {
  private readonly waiting = new Map<number, HeldDelivery<T>>();
  private readonly inBatch = new Map<number, HeldDelivery<T>>();

  constructor(private readonly capacity: number) {}

  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Holds a new message (its item made by `decode`), or merges a redelivery into its original. */
  receive(message: JsMsg, decode: () => T): Receipt {
    const held = this.waiting.get(message.seq) ?? this.inBatch.get(message.seq);
    if (held) {
      held.message = message;
      return 'merged';
    }
    if (this.waiting.size + this.inBatch.size >= this.capacity) return 'full';
    this.waiting.set(message.seq, { message, item: decode() });
    return 'held';
  }

  /** Moves up to `size` waiting messages, oldest first, into the batch being written. */
  takeBatch(size: number): Array<HeldDelivery<T>> {
    const batch: Array<HeldDelivery<T>> = [];
    for (const [sequence, held] of this.waiting) {
      if (batch.length === size) break;
      this.waiting.delete(sequence);
      this.inBatch.set(sequence, held);
      batch.push(held);
    }
    return batch;
  }

  /** The batch was acknowledged (or terminated): its messages are no longer held. */
  settleBatch(): void {
    this.inBatch.clear();
  }

  all(): Array<HeldDelivery<T>> {
    return [...this.inBatch.values(), ...this.waiting.values()];
  }
}
