import { callIdFromChannel } from '@asb/contracts';
import { eventually } from '@asb/testing';
import type { ScenarioCall } from './support/bridge-stack';
import { VicidialStack } from './support/vicidial-stack';

const TOTAL_CALLS = 8;

interface CallRow {
  call_id: string;
  conversation_id: string;
  server: string;
  channel_name: string;
  state: string;
  vicidial_call_code: string | null;
  in_group: string | null;
  agent: string | null;
  vicidial_status: string | null;
}

/**
 * VICIdial's transfers and parks on two simulated servers with VICIdial's database: every
 * answered call is sent on to an in-group mid-call (half of them to an agent on the other server,
 * through IAX2 legs), half are parked and grabbed back first. The customer's channel survives
 * all of it, so its call and taps must go on untouched; the IAX2 legs are calls of their own,
 * of the same conversation.
 */
describe('VICIdial transfers and parks: one conversation, each leg visible, taps untouched', () => {
  let vicidial: VicidialStack;
  let calls: ScenarioCall[] = [];
  const rows = new Map<string, CallRow>();
  const idOf = (server: string, channelId: string) => callIdFromChannel(server, channelId);

  beforeAll(async () => {
    vicidial = await VicidialStack.start('transfers', ['pbx1', 'pbx2']);
    calls = await vicidial.stack.runScenario({
      totalCalls: TOTAL_CALLS,
      concurrency: TOTAL_CALLS,
      arrivalRate: 10,
      ringMs: { min: 200, max: 300 },
      talkMs: { min: 7000, max: 8000 },
      answerRatio: 1,
      mix: { outbound: 1 },
      agentsPerServer: 2 * TOTAL_CALLS,
      transferRatio: 1,
      transferElsewhereRatio: 0.5,
      parkRatio: 0.5,
      dispositions: ['SALE'],
      dispositionDelayMs: { min: 200, max: 400 },
      seed: 23,
    });
    await eventually(
      async () => {
        for (const row of await vicidial.calls<CallRow>()) rows.set(row.call_id, row);
        return calls.every(
          (call) => rows.get(idOf(call.server, call.trunkChannelId))?.vicidial_status,
        );
      },
      60_000,
      'a disposition for every call',
    ).catch((error: unknown) => {
      // Say which calls lack one and what ari-ingest said of VICIdial, for whoever reads a failed run.
      const missing = calls
        .map((call) => idOf(call.server, call.trunkChannelId))
        .filter((id) => !rows.get(id)?.vicidial_status)
        .map((id) => rows.get(id) ?? { call_id: id, row: 'none' });
      const said = vicidial.stack.ingest
        .logs()
        .split('\n')
        .filter((line) => /vicidial|disposition|outcome/i.test(line))
        .slice(-30);
      process.stderr.write(
        `calls without a disposition: ${JSON.stringify(missing)}\nari-ingest: ${said.join('\n')}\n`,
      );
      throw error;
    });
  }, 180_000);

  afterAll(async () => {
    await vicidial?.stop();
  });

  it('played transfers on both servers and parks', () => {
    expect(calls.every((call) => call.transferredAt !== undefined)).toBe(true);
    const elsewhere = calls.filter((call) => call.legs);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.length).toBeLessThan(TOTAL_CALLS);
    expect(calls.some((call) => call.grabbedAt !== undefined)).toBe(true);
  });

  it("keeps the customer's call one call through the transfer and the park, tapped once per track", async () => {
    const trunkIds = calls.map((call) => idOf(call.server, call.trunkChannelId));
    const taps = await vicidial.records.query<{
      call_id: string;
      track: string;
      started: number;
      stops: string[];
    }>(
      `SELECT call_id, track,
              count(*) FILTER (WHERE event_type = 'tap_started')::int AS started,
              array_remove(array_agg(payload->>'reason'), NULL) AS stops
         FROM call_events WHERE call_id = ANY($1) AND track IS NOT NULL
        GROUP BY call_id, track ORDER BY call_id, track`,
      [trunkIds],
    );
    expect(taps.rows).toHaveLength(2 * TOTAL_CALLS);
    for (const tap of taps.rows) {
      expect({
        tap: `${tap.call_id}/${tap.track}`,
        started: tap.started,
        stops: tap.stops,
      }).toEqual({ tap: `${tap.call_id}/${tap.track}`, started: 1, stops: ['call_ended'] });
    }
    for (const call of calls) {
      const row = rows.get(idOf(call.server, call.trunkChannelId)) as CallRow;
      // After the transfer the call is the in-group's, with its closer, and ends with its status.
      expect({ call: row.call_id, row }).toMatchObject({
        row: {
          state: 'ended',
          conversation_id: row.call_id,
          vicidial_call_code: expect.stringMatching(/^Y/),
          in_group: call.plan.transfer?.inGroup,
          agent: call.plan.transfer?.agent.user,
          vicidial_status: 'SALE',
        },
      });
    }
  });

  it("makes each IAX2 leg of a transfer to the other server a call of the customer's conversation", () => {
    for (const call of calls.filter((c) => c.legs)) {
      const conversation = idOf(call.server, call.trunkChannelId);
      for (const leg of call.legs ?? []) {
        const row = rows.get(idOf(leg.server, leg.channelId));
        expect({ leg: leg.channelName, row }).toMatchObject({
          leg: leg.channelName,
          row: { conversation_id: conversation, server: leg.server, state: 'ended' },
        });
      }
    }
    const conversations = new Set([...rows.values()].map((row) => row.conversation_id));
    expect(conversations.size).toBe(TOTAL_CALLS);
  });
});
