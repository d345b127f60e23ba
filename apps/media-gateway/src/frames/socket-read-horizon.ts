/**
 * The latest moment of which it is certain that whatever had reached this process's sockets by
 * then has been read: a PONG still missing at that moment had not arrived, whatever the event
 * loop was doing since.
 *
 * libuv runs timers, then polls every socket and reads all that is ready, then runs immediates.
 * A tick of this timer therefore comes before a poll phase, and the next tick after that phase
 * has ended. So when a tick runs, the poll that followed the previous tick is complete, and it
 * started after that previous tick: the previous tick's time is the horizon. While the loop is
 * blocked (a long poll phase reading thousands of datagrams, a slow callback, GC) no tick runs
 * and the horizon stands still, so the time spent blocked is never taken for time that a socket
 * stayed silent. While the loop is free, the horizon trails the clock by one to two ticks.
 */
export class SocketReadHorizon {
  private lastTickAt = -Infinity;
  private horizon = -Infinity;
  private readonly timer: NodeJS.Timeout;
  private readonly tick = () => {
    this.horizon = this.lastTickAt;
    this.lastTickAt = performance.now();
  };

  constructor(tickMs: number) {
    this.timer = setInterval(this.tick, tickMs);
    this.timer.unref();
  }

  /** performance.now() time of the horizon; -Infinity until two ticks have run. */
  get at(): number {
    return this.horizon;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
