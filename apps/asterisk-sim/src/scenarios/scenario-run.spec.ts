import { AsteriskInstance, MediaPlane } from '../pbx/asterisk-instance';
import { ScenarioRun } from './scenario-run';
import { scenarioSchema } from './scenario.schema';

const media: MediaPlane = {
  allocateLocalPort: async () => ({ address: '127.0.0.1', port: 1 }),
  releaseLocalPort: () => undefined,
  startStream: () => undefined,
  stopStream: () => undefined,
};

function run(input: object, servers = [new AsteriskInstance('pbx1', media)]) {
  return new ScenarioRun(scenarioSchema.parse(input), servers, 'legacy').start();
}

describe('ScenarioRun', () => {
  it('places every call, never more at once than the concurrency, and finishes', async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    let peak = 0;
    pbx.onEvent(
      () =>
        (peak = Math.max(
          peak,
          [...pbx.channels.values()].filter((c) => c.name.startsWith('SIP/carrier-')).length,
        )),
    );
    const scenario = run(
      {
        totalCalls: 20,
        concurrency: 4,
        arrivalRate: 200,
        ringMs: { min: 5, max: 10 },
        talkMs: { min: 20, max: 40 },
      },
      [pbx],
    );
    await scenario.done;
    const status = scenario.status();
    expect(status).toMatchObject({ state: 'finished', placed: 20, ended: 20, active: 0 });
    expect(peak).toBeLessThanOrEqual(4);
    expect(pbx.channels.size).toBe(0);
  });

  it("logs agents in first, sends each answered call to its agent's room, and logs them out last", async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const seen: string[] = [];
    pbx.onEvent((type, channel) => {
      if (!channel) return;
      const { name, dialplan, caller } = channel;
      if (type === 'ChannelDialplan') seen.push(`${name.split('-')[0]} ${dialplan.app_data}`);
      if (type === 'ChannelCallerId' && caller.name.startsWith('S'))
        seen.push(`code ${caller.name}`);
      if (type === 'ChannelDestroyed' && name.startsWith('SIP/10'))
        seen.push(`gone ${name.split('-')[0]}`);
    });
    const scenario = run(
      {
        totalCalls: 4,
        concurrency: 4,
        arrivalRate: 200,
        answerRatio: 1,
        mix: { outbound: 1 },
        ringMs: { min: 5, max: 10 },
        talkMs: { min: 20, max: 40 },
        agentsPerServer: 2,
      },
      [pbx],
    );
    await scenario.done;
    const agentRoom = (room: string) => `${room},vici_agent_bridge,vici_agent_user`;
    expect(seen.slice(0, 4)).toEqual([
      expect.stringMatching(/^code S[0-9]{12}9600051$/),
      `SIP/1001 ${agentRoom('9600051')}`,
      expect.stringMatching(/^code S[0-9]{12}9600052$/),
      `SIP/1002 ${agentRoom('9600052')}`,
    ]);
    const customers = seen
      .filter((entry) => entry.includes('vici_customer_bridge'))
      .map((entry) => entry.split(',')[0].split(' '));
    for (const [channel] of customers) expect(channel).toMatch(/^Local\/9312555[0-9]{4}@default$/);
    expect(customers).toHaveLength(4);
    expect(new Set(customers.map(([, room]) => room))).toEqual(new Set(['9600051', '9600052']));
    expect(seen.slice(-2).sort()).toEqual(['gone SIP/1001', 'gone SIP/1002']);
    expect(pbx.channels.size).toBe(0);
  });

  it('never sends an agent a second call while on one, as long as an agent is free', async () => {
    const scenario = run({
      totalCalls: 12,
      concurrency: 3,
      arrivalRate: 200,
      ringMs: { min: 5, max: 10 },
      talkMs: { min: 20, max: 60 },
      agentsPerServer: 3,
    });
    await scenario.done;
    const calls = scenario.calls;
    for (const a of calls) {
      for (const b of calls) {
        const overlap = a !== b && a.startedAt < (b.endedAt ?? 0) && b.startedAt < (a.endedAt ?? 0);
        if (overlap) expect(a.plan.agent.user).not.toBe(b.plan.agent.user);
      }
    }
    expect(new Set(calls.map((call) => call.plan.agent.user))).toEqual(
      new Set(['1001', '1002', '1003']),
    );
  });

  it('replays the same calls for the same seed, and different ones for another seed', async () => {
    const spec = {
      totalCalls: 8,
      arrivalRate: 500,
      ringMs: { min: 1, max: 2 },
      talkMs: { min: 1, max: 2 },
    };
    const plans = async (seed: number) => {
      const scenario = run({ ...spec, seed });
      await scenario.done;
      return scenario.calls.map((c) => [
        c.plan.type,
        c.plan.number,
        c.plan.leadId,
        c.plan.answered,
        c.plan.talkMs,
      ]);
    };
    expect(await plans(7)).toEqual(await plans(7));
    expect(await plans(7)).not.toEqual(await plans(8));
  });

  it('spreads calls over several servers and honours the answer ratio and mix', async () => {
    const servers = [new AsteriskInstance('pbx1', media), new AsteriskInstance('pbx2', media)];
    const scenario = run(
      {
        totalCalls: 40,
        concurrency: 40,
        arrivalRate: 1000,
        answerRatio: 0,
        mix: { inbound: 1 },
        ringMs: { min: 1, max: 2 },
      },
      servers,
    );
    await scenario.done;
    expect(new Set(scenario.calls.map((c) => c.server))).toEqual(new Set(['pbx1', 'pbx2']));
    expect(
      scenario.calls.every((c) => c.plan.type === 'inbound' && c.answeredAt === undefined),
    ).toBe(true);
  });

  it('breaks the audio of the share of answered calls asked for, on either side', async () => {
    const streams: string[][] = [];
    const listening: MediaPlane = {
      ...media,
      startStream: (_id, _endpoint, voices) => void streams.push(voices),
    };
    const scenario = run(
      {
        totalCalls: 40,
        concurrency: 40,
        arrivalRate: 1000,
        answerRatio: 1,
        ringMs: { min: 1, max: 2 },
        talkMs: { min: 5, max: 10 },
        audioDefects: { byte_swapped: 0.5, silence: 0.5 },
      },
      [new AsteriskInstance('pbx1', listening)],
    );
    await scenario.done;
    const defects = scenario.calls.map((c) => c.plan.audioDefect);
    expect(defects.every((d) => d && ['byte_swapped', 'silence'].includes(d.defect))).toBe(true);
    expect(new Set(defects.map((d) => d?.voice))).toEqual(new Set(['caller', 'agent']));
    expect(new Set(defects.map((d) => d?.defect)).size).toBe(2);
    expect(() => scenarioSchema.parse({ audioDefects: { silence: 0.6, clipped: 0.6 } })).toThrow(
      /at most 1/,
    );
  });

  it("types the keys asked for on the customer's channel of the share of answered calls", async () => {
    const pbx = new AsteriskInstance('pbx1', media);
    const keys: Array<[string, string]> = [];
    const watcher = pbx.connectApp('bridge', true);
    watcher.connections.add({
      send: (json) => {
        const event = JSON.parse(json) as { type: string; digit: string; channel: { id: string } };
        if (event.type === 'ChannelDtmfReceived') keys.push([event.channel.id, event.digit]);
      },
      close: () => undefined,
    });
    const scenario = run(
      {
        totalCalls: 4,
        concurrency: 4,
        arrivalRate: 200,
        answerRatio: 1,
        mix: { outbound: 1, inbound: 1 },
        ringMs: { min: 5, max: 10 },
        talkMs: { min: 600, max: 700 },
        agentsPerServer: 4,
        keyPresses: { digits: '12#', durationMs: 40, gapMs: 10, afterMs: 50 },
      },
      [pbx],
    );
    await scenario.done;
    expect(scenario.calls.every((call) => call.plan.keyPresses?.digits === '12#')).toBe(true);
    for (const call of scenario.calls) {
      expect(keys.filter(([id]) => id === call.trunkChannelId).map(([, digit]) => digit)).toEqual([
        '1',
        '2',
        '#',
      ]);
    }
    expect(keys).toHaveLength(12);
  });

  it('stops placing calls when stopped and lets the calls in progress end', async () => {
    const scenario = run({
      totalCalls: 1000,
      concurrency: 5,
      arrivalRate: 100,
      talkMs: { min: 50, max: 60 },
      ringMs: { min: 1, max: 2 },
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    scenario.stop();
    await scenario.done;
    expect(scenario.status().state).toBe('finished');
    expect(scenario.status().placed).toBeLessThan(1000);
    expect(scenario.status().ended).toBe(scenario.status().placed);
  });

  it('rejects nonsense specs', () => {
    expect(() => scenarioSchema.parse({ concurrency: 0 })).toThrow();
    expect(() => scenarioSchema.parse({ talkMs: { min: 10, max: 5 } })).toThrow(
      /min must not exceed max/,
    );
    expect(() => scenarioSchema.parse({ answerRatio: 2 })).toThrow();
  });
});
