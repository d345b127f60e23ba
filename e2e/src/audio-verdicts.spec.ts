import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { callIdFromChannel } from '@asb/contracts';
import { dropDatabase, eventually, freePort, freshDatabase, NatsTestServer } from '@asb/testing';
import { BridgeStack, ScenarioCall } from './support/bridge-stack';

const TOTAL_CALLS = 10;

interface VerdictRow {
  call_id: string;
  verdict: string;
  state: string;
  track: string;
  suspect_format: string | null;
}

interface CallRow {
  call_id: string;
  audio_verdicts: string[];
  talk_heard_s: number | null;
  customer_talk_s: number | null;
  agent_talk_s: number | null;
}

type DefectedCall = ScenarioCall & {
  plan: ScenarioCall['plan'] & { audioDefect?: { voice: 'caller' | 'agent'; defect: string } };
};

/** What each defect of one side's audio must be called, on that side's track. */
const EXPECTED: Record<string, string[]> = {
  byte_swapped: ['suspect_format'],
  ulaw_as_alaw: ['suspect_format'],
  clipped: ['clipping'],
  silence: ['one_way_audio', 'silent_track'],
};

/**
 * The audio the simulator sends, broken on purpose on one side of most calls, through the real
 * gateway analysis and ari-ingest's judgement to call-logger's rows: each broken call gets the
 * verdicts its defect calls for, on the right track, and no clean call gets any; every call
 * gets a talk summary once it ends.
 */
describe('audio verdicts: broken audio is named, clean audio is left alone', () => {
  let nats: NatsTestServer;
  let stack: BridgeStack;
  let records: Client;
  let calls: DefectedCall[] = [];
  const database = `asb_e2e_verdicts_${process.pid}_${randomBytes(3).toString('hex')}`;
  const recordingsDir = mkdtempSync(join(tmpdir(), 'asb-e2e-verdicts-'));
  const idOf = (call: ScenarioCall) => callIdFromChannel(call.server, call.trunkChannelId);
  const query = async <T>(sql: string, params: unknown[] = []) =>
    (await records.query(sql, params)).rows as T[];

  beforeAll(async () => {
    const recordsUrl = await freshDatabase(database);
    nats = new NatsTestServer(await freePort());
    await nats.start();
    stack = new BridgeStack({
      servers: ['pbx1'],
      natsUrl: nats.url,
      env: { 'ari-ingest': { AUDIO_SILENT_TRACK_AFTER_S: '3', AUDIO_ONE_WAY_AFTER_S: '5' } },
      callLogger: { DATABASE_URL: recordsUrl, RECORDINGS_DIR: recordingsDir },
    });
    await stack.start();
    records = new Client({ connectionString: recordsUrl });
    await records.connect();
    calls = (await stack.runScenario(
      {
        totalCalls: TOTAL_CALLS,
        concurrency: TOTAL_CALLS,
        arrivalRate: 20,
        ringMs: { min: 100, max: 200 },
        talkMs: { min: 12_000, max: 13_000 },
        answerRatio: 1,
        mix: { outbound: 1 },
        agentsPerServer: TOTAL_CALLS,
        audioDefects: { byte_swapped: 0.2, ulaw_as_alaw: 0.2, clipped: 0.2, silence: 0.2 },
        seed: 16,
      },
      90_000,
    )) as DefectedCall[];
    await eventually(
      async () =>
        (await query<CallRow>(`SELECT * FROM calls WHERE talk_heard_s IS NOT NULL`)).length ===
        TOTAL_CALLS,
      60_000,
      'a talk summary for every call',
    );
  }, 240_000);

  afterAll(async () => {
    await records?.end().catch(() => undefined);
    await stack?.stop();
    stack?.kill();
    await nats?.dispose();
    await dropDatabase(database);
    rmSync(recordingsDir, { recursive: true, force: true });
  });

  it('played clean calls and every kind of broken one', () => {
    const defects = new Set(calls.map((call) => call.plan.audioDefect?.defect ?? 'none'));
    expect(defects).toEqual(new Set(['none', ...Object.keys(EXPECTED)]));
  });

  it('names the defect of each broken call on its track, and raises nothing on clean audio', async () => {
    const raised = await query<VerdictRow>(
      `SELECT call_id, payload->>'verdict' AS verdict, payload->>'state' AS state, track,
              payload->>'suspectFormat' AS suspect_format
         FROM call_events WHERE event_type = 'audio_verdict' AND payload->>'state' = 'raised'`,
    );
    const table = calls.map((call) => {
      const defect = call.plan.audioDefect;
      const own = raised.filter((row) => row.call_id === idOf(call));
      return {
        defect: defect ? `${defect.defect} on ${defect.voice}` : 'none',
        verdicts: [...new Set(own.map((row) => `${row.verdict} on ${row.track}`))].sort(),
      };
    });
    const expected = calls.map((call) => {
      const defect = call.plan.audioDefect;
      return {
        defect: defect ? `${defect.defect} on ${defect.voice}` : 'none',
        verdicts: defect ? EXPECTED[defect.defect].map((v) => `${v} on ${defect.voice}`) : [],
      };
    });
    expect(table).toEqual(expected);
    const formats = raised.filter((row) => row.verdict === 'suspect_format');
    expect(new Set(formats.map((row) => row.suspect_format))).toEqual(
      new Set(['broadband_noise', 'g711_law_mismatch']),
    );
  });

  it("keeps each call's verdicts and talk time on its row", async () => {
    const rows = new Map(
      (await query<CallRow>(`SELECT * FROM calls`)).map((row) => [row.call_id, row]),
    );
    for (const call of calls) {
      const row = rows.get(idOf(call)) as CallRow;
      const defect = call.plan.audioDefect;
      expect({ call: idOf(call), verdicts: row.audio_verdicts }).toEqual({
        call: idOf(call),
        verdicts: defect ? [...EXPECTED[defect.defect]].sort() : [],
      });
      // About 12 s of talk, both tracks heard nearly all of it.
      expect(row.talk_heard_s).toBeGreaterThan(8);
      expect(row.talk_heard_s).toBeLessThan(15);
      if (!defect) {
        expect(row.customer_talk_s).toBeGreaterThan(4);
        expect(row.agent_talk_s).toBeGreaterThan(4);
      }
      if (defect?.defect === 'silence') {
        expect(row[defect.voice === 'caller' ? 'customer_talk_s' : 'agent_talk_s']).toBe(0);
      }
    }
  });

  it('raises no verdict on 1,000 calls of clean speech through the whole stack', async () => {
    const summaries = (outcome = '') =>
      stack.metric(stack.ingest, 'ari_ingest_talk_summaries_total', outcome);
    const judgedBefore = await summaries();
    const unheardBefore = await summaries('outcome="no_audio"');
    const clean = (await stack.runScenario(
      {
        totalCalls: 1000,
        concurrency: 100,
        arrivalRate: 20,
        ringMs: { min: 100, max: 200 },
        talkMs: { min: 6000, max: 8000 },
        answerRatio: 1,
        mix: { outbound: 0.7, inbound: 0.3 },
        agentsPerServer: 100,
        seed: 17,
      },
      300_000,
    )) as DefectedCall[];
    expect(clean.filter((call) => call.plan.audioDefect)).toEqual([]);
    // Every ended call is judged once its tracks' last samples came (or the wait ran out).
    await eventually(
      async () => (await summaries()) - judgedBefore >= clean.length,
      120_000,
      'each of the 1,000 calls judged',
    );
    const ids = clean.map(idOf);
    const alarms = await query<VerdictRow>(
      `SELECT call_id, payload->>'verdict' AS verdict, payload->>'state' AS state, track,
              payload->>'suspectFormat' AS suspect_format
         FROM call_events
        WHERE event_type = 'audio_verdict' AND call_id = ANY($1::varchar[])`,
      [ids],
    );
    expect(alarms).toEqual([]);
    // A call whose tap came after its end was never heard, so proved nothing either way.
    const unheard = (await summaries('outcome="no_audio"')) - unheardBefore;
    expect(clean.length - unheard).toBeGreaterThanOrEqual(990);
  }, 500_000);

  it('leaves nothing of ours on the PBX', async () => {
    expect(await stack.settle()).toEqual([['pbx1', 0, 0]]);
  });
});
