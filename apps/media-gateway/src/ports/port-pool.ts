/**
 * The UDP ports of GATEWAY_PORT_MIN..GATEWAY_PORT_MAX this gateway hands out. Ports are taken
 * round-robin rather than lowest-first, so a port just released rests as long as possible: an
 * Asterisk channel still sending to it would otherwise be latched as the next stream's source.
 */
export class PortPool {
  private readonly taken = new Set<number>();
  private cursor: number;

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    this.cursor = min;
  }

  get size(): number {
    return this.max - this.min + 1;
  }

  /** The next free port after the last one taken, or undefined when every port is taken. */
  take(): number | undefined {
    if (this.taken.size >= this.size) return undefined;
    while (this.taken.has(this.cursor)) this.advance();
    const port = this.cursor;
    this.taken.add(port);
    this.advance();
    return port;
  }

  give(port: number): void {
    this.taken.delete(port);
  }

  private advance(): void {
    this.cursor = this.cursor >= this.max ? this.min : this.cursor + 1;
  }
}
