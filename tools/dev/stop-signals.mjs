// When a long-running tool (the demo) must stop everything it started: on SIGINT, SIGTERM or
// SIGHUP, and when its parent goes away. `npm run` starts a script through `sh -c`, and a signal
// to npm reaches that shell, which may die and leave its child running under init: the parent
// watch catches that, since Node.js has no parent-death signal.

const PARENT_WATCH_MS = 500;

/** Calls `stop` once, on the first of the three signals or the parent's exit. */
export function onStopRequest(stop) {
  let requested = false;
  const request = (why) => {
    if (requested) return;
    requested = true;
    clearInterval(watch);
    stop(why);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => request(signal));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) request('parent exited');
  }, PARENT_WATCH_MS);
  watch.unref();
}
