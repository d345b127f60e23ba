import { Injectable } from '@nestjs/common';
import type { Duplex } from 'node:stream';

/**
 * Groups the writes each socket receives during one event-loop turn into one system call. NATS
 * delivers frames in bursts (every message of a socket read, one after the other), and each
 * WebSocket message would otherwise be its own write: the socket is corked at its first message
 * in a turn and uncorked once, from a setImmediate, for all sockets together.
 */
@Injectable()
export class SocketBatcher {
  private readonly corked = new Set<Duplex>();
  private scheduled = false;
  private readonly flush = () => {
    this.scheduled = false;
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };

  /** Call before writing to `socket`; the writes go out together at the end of this turn. */
  hold(socket: Duplex): void {
    if (this.corked.has(socket)) return;
    socket.cork();
    this.corked.add(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }
}
