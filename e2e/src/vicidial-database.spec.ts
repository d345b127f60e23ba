import { callIdFromChannel } from '@asb/contracts';
import { eventually } from '@asb/testing';
import type { ScenarioCall } from './support/bridge-stack';
import { VicidialStack } from './support/vicidial-stack';

const TOTAL_CALLS = 20;

interface CallRow {
  call_id: string;
  direction: string;
  channel_name: string;
  campaign: string | null;
  campaign_name: string | null;
  in_group: string | null;
  in_group_name: string | null;
  list_id: string | null;
  lead_id: string | null;
  agent: string | null;
  agent_name: string | null;
  agent_phone: string | null;
  conference: string | null;
  vicidial_status: string | null;
  term_reason: string | null;
}

/**
 * The simulator keeps VICIdial's tables as VICIdial does, in a MariaDB database of the test's
 * own; ari-ingest reads them and call-logger keeps what it found. All on a private nats-server,
 * so the logger sees this run's calls only.
 */
describe("VICIdial's database: asterisk-sim writes it, ari-ingest reads it, call-logger keeps it", () => {
  let vicidial: VicidialStack;
  let calls: ScenarioCall[] = [];
  const rows = new Map<string, CallRow>();

  beforeAll(async () => {
    vicidial = await VicidialStack.start('vicidial', ['pbx1']);
    const { stack } = vicidial;
    calls = await stack.runScenario({
      totalCalls: TOTAL_CALLS,
      concurrency: 10,
      arrivalRate: 10,
      ringMs: { min: 200, max: 400 },
      talkMs: { min: 2500, max: 3500 },
      callCodeDelayMs: { min: 100, max: 300 },
      answerRatio: 0.8,
      mix: { outbound: 0.6, inbound: 0.4 },
      // One agent per call, so no agent is on two calls at once.
      agentsPerServer: TOTAL_CALLS,
      dispositions: ['SALE'],
      dispositionDelayMs: { min: 200, max: 600 },
      seed: 13,
    });
    const answered = calls.filter((call) => call.answeredAt);
    await eventually(
      async () => {
        for (const row of await vicidial.calls<CallRow>()) rows.set(row.call_id, row);
        return answered.every(
          (call) => rows.get(callIdFromChannel(call.server, call.trunkChannelId))?.vicidial_status,
        );
      },
      60_000,
      'a disposition for every answered call',
    );
  }, 180_000);

  afterAll(async () => {
    await vicidial?.stop();
  });

  const rowOf = (call: ScenarioCall) =>
    rows.get(callIdFromChannel(call.server, call.trunkChannelId)) as CallRow;

  it('logs every call once and never an agent phone, though every agent sat in a room', () => {
    expect(calls.filter((call) => call.answeredAt).length).toBeGreaterThan(10);
    expect(rows.size).toBe(TOTAL_CALLS);
    for (const row of rows.values()) expect(row.channel_name).toMatch(/^SIP\/carrier-/);
  });

  it('tells calls coming in on chan_sip (created Down, then Ring) from calls dialled out', () => {
    for (const call of calls) {
      expect({ type: call.plan.type, direction: rowOf(call).direction }).toEqual({
        type: call.plan.type,
        direction: call.plan.type === 'inbound' ? 'inbound' : 'outbound',
      });
    }
  });

  it("gives every answered call its campaign, list and agent from VICIdial's database", () => {
    for (const call of calls.filter((c) => c.answeredAt)) {
      const row = rowOf(call);
      const agent = row.agent as string;
      expect({ callId: row.call_id, row }).toMatchObject({
        row: {
          campaign: expect.stringMatching(/^(SALES|SUPPORT)$/),
          campaign_name: expect.stringMatching(/^(Sales|Support) campaign$/),
          list_id: expect.stringMatching(/^10[12]$/),
          lead_id: String(call.plan.leadId),
          agent: expect.stringMatching(/^10[0-9]{2}$/),
          agent_name: `Agent ${agent}`,
          agent_phone: `SIP/${agent}`,
          conference: expect.stringMatching(/^96000[0-9]{2}$/),
        },
      });
      if (call.plan.type === 'inbound') {
        expect(row).toMatchObject({ in_group: 'SUPPORT_LINE', in_group_name: 'Support line' });
      } else {
        expect(row.in_group).toBeNull();
      }
    }
  });

  it("keeps each answered call's disposition and term reason from VICIdial's log", () => {
    for (const call of calls.filter((c) => c.answeredAt)) {
      expect(rowOf(call)).toMatchObject({
        vicidial_status: 'SALE',
        term_reason: expect.stringMatching(/^(CALLER|AGENT)$/),
      });
    }
  });
});
