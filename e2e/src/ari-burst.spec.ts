import { callIdFromChannel } from '@asb/contracts';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';
import { NatsRecorders } from './support/nats-recorders';

const CALLS = 100;
/** How long after its hangup a call's `ended` and `tap_stopped`s may come, at most. */
const END_WITHIN_MS = 15_000;

interface SimServer {
  name: string;
  applications: string[];
  lingeringApplications: Array<{ name: string; subscriptions: string[]; queuedEvents: number }>;
  httpSessions: number;
  httpSessionsRefused: number;
}

const callIdOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);

/**
 * A mass hangup against a simulator that enforces Asterisk's HTTP session limit (100): the
 * teardown of 100 tapped calls must neither exceed it nor wait forever on a connection Asterisk
 * closed unanswered, and a graceful stop must leave the app subscribed to nothing.
 */
describe('ARI under a burst of hangups', () => {
  const stack = new BridgeStack({ servers: ['pbx1'] });
  const recorders = new NatsRecorders();

  beforeAll(async () => {
    await recorders.start();
    await stack.start();
  }, 60_000);

  afterAll(async () => {
    await recorders.stop();
    await stack.stop();
    stack.kill();
  });

  const simServer = async (): Promise<SimServer> =>
    (await stack.control<SimServer[]>('GET', '/sim/servers'))[0];

  it(`ends ${CALLS} tapped calls that hang up within a second, within ${END_WITHIN_MS / 1000} s each, inside the session limit`, async () => {
    const from = recorders.events.length;
    const talkMs = 25_000;
    // All placed at once, each answered after 100 ms and talking equally long: the hangups fall
    // within a second (the simulator's own load on a busy box may stretch that a little).
    const id = await stack.startScenario({
      totalCalls: CALLS,
      concurrency: CALLS,
      arrivalRate: 1000,
      ringMs: { min: 100, max: 100 },
      answerRatio: 1,
      talkMs: { min: talkMs, max: talkMs },
      seed: 41,
    });
    await recorders.waitFor(
      () =>
        recorders.events.slice(from).filter((e) => e.event === 'tap_started').length >= 2 * CALLS,
      talkMs - 2000,
      `${2 * CALLS} taps before the hangups`,
    );

    const calls = await stack.finishScenario(id, talkMs + 10_000);
    const hangups = calls.map((c) => c.endedAt ?? 0);
    expect(calls).toHaveLength(CALLS);
    expect(Math.max(...hangups) - Math.min(...hangups)).toBeLessThan(2000);

    // When each call was first seen with its `ended` and a `tap_stopped` for every tap_started.
    const completedAt = new Map<string, number>();
    const complete = () => {
      for (const call of calls) {
        const events = recorders.eventsOf(callIdOf(call));
        const started = events.filter((e) => e.event === 'tap_started').length;
        const stopped = events.filter((e) => e.event === 'tap_stopped').length;
        if (
          !completedAt.has(callIdOf(call)) &&
          events.some((e) => e.event === 'ended') &&
          stopped >= started
        )
          completedAt.set(callIdOf(call), Date.now());
      }
      return completedAt.size === calls.length;
    };
    await recorders
      .waitFor(complete, Math.max(...hangups) + END_WITHIN_MS - Date.now(), 'every call complete')
      .catch(() => undefined);

    const late = calls.flatMap((call) => {
      const events = recorders.eventsOf(callIdOf(call));
      const delay = (completedAt.get(callIdOf(call)) ?? Infinity) - (call.endedAt ?? 0);
      if (delay <= END_WITHIN_MS) return [];
      const count = (type: string) => events.filter((e) => e.event === type).length;
      return [
        `${callIdOf(call)}: ended ${count('ended')}, tap_stopped ${count('tap_stopped')}/${count('tap_started')}`,
      ];
    });
    expect(late).toEqual([]);

    const server = await simServer();
    expect(server.httpSessionsRefused).toBe(0);
    expect(await stack.settle(15_000)).toEqual([['pbx1', 0, 0]]);
  }, 90_000);

  it('leaves nothing of ours on the PBX, subscriptions included, after a graceful stop mid-call', async () => {
    const from = recorders.events.length;
    await stack.control('POST', '/sim/scenarios', {
      totalCalls: 20,
      concurrency: 20,
      arrivalRate: 1000,
      ringMs: { min: 100, max: 100 },
      answerRatio: 1,
      talkMs: { min: 60_000, max: 60_000 },
      seed: 42,
    });
    await recorders.waitFor(
      () => recorders.events.slice(from).filter((e) => e.event === 'tap_started').length >= 40,
      20_000,
      '40 taps',
    );
    expect((await simServer()).applications).toContain(stack.app);

    const exit = await stack.ingest.stop('SIGTERM');
    expect(exit.code).toBe(0);

    const server = await simServer();
    expect(server.applications).not.toContain(stack.app);
    expect(server.lingeringApplications.filter((app) => app.name === stack.app)).toEqual([]);
    expect(server.httpSessionsRefused).toBe(0);
    const ours = (items: Array<{ id: string }>) => items.filter((i) => i.id.startsWith('asb-'));
    expect(ours(await stack.ari<Array<{ id: string }>>('pbx1', '/channels'))).toEqual([]);
    expect(ours(await stack.ari<Array<{ id: string }>>('pbx1', '/bridges'))).toEqual([]);
  }, 60_000);
});
