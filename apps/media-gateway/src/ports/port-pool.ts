import { randomInt } from 'node:crypto';

/**
 * The UDP ports of GATEWAY_PORT_MIN..GATEWAY_PORT_MAX this gateway hands out. A port is drawn at
 * random, so nobody can predict the next stream's port and send to it first, from the half of the
 * free ports that have rested longest: an Asterisk channel still sending to a port just released
 * must not reach the next stream on it.
 */
export class PortPool {
  /** Free ports, those freed longest ago first. */
  private readonly free: number[] = [];

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    for (let port = min; port <= max; port += 1) this.free.push(port);
    for (let i = this.free.length - 1; i > 0; i -= 1) {
      const j = randomInt(i + 1);
      [this.free[i], this.free[j]] = [this.free[j], this.free[i]];
    }
  }

  get size(): number {
    return this.max - this.min + 1;
  }

  /** A random port among the longest-rested half of the free ones, or undefined when none is. */
  take(): number | undefined {
    if (this.free.length === 0) return undefined;
    const index = randomInt(Math.ceil(this.free.length / 2));
    return this.free.splice(index, 1)[0];
  }

  give(port: number): void {
    this.free.push(port);
  }
}
