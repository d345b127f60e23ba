import type { INestApplication } from '@nestjs/common';
import type { Client } from 'pg';
import { encodeCallEvent } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import {
  LoggerTestBed,
  BridgeTraffic,
  CallScript,
  eventually,
} from '../__tests__/call-logger-harness';

const DATABASE = `asb_test_logger_bad_input_${process.pid}`;
const GOOD_CALLS = 40;
const BAD_EACH = 10;

describe('call-logger given bad call events among good ones', () => {
  let bed: LoggerTestBed;
  let app: INestApplication;
  let bridge: BridgeTraffic;
  let db: Client;

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query(sql, params)).rows[0].count);

  beforeAll(async () => {
    bed = await LoggerTestBed.start(DATABASE, { RECORDINGS_ENABLED: 'false' });
    ({ app, bridge, db } = bed);
  }, 60_000);

  afterAll(async () => {
    await bed?.stop();
  });

  async function permanentWriteFailures(): Promise<number> {
    const metric = app
      .get(MetricsRegistry)
      .registry.getSingleMetric('call_logger_write_failures_total');
    const values = (await metric?.get())?.values ?? [];
    return values
      .filter((value) => value.labels['kind'] === 'permanent')
      .reduce((sum, value) => sum + value.value, 0);
  }

  it('dead-letters every bad message, NUL characters included, and stores its batch-mates in one go', async () => {
    const good = Array.from({ length: GOOD_CALLS }, () => new CallScript());
    const rawNul = Array.from({ length: BAD_EACH }, () => new CallScript());
    const escapedNul = Array.from({ length: BAD_EACH }, () => new CallScript());
    const now = Date.now();
    // Published without awaiting each ack, so good and bad messages share the logger's batches.
    const publishing: Array<Promise<void>> = [];
    good.forEach((call, i) => {
      publishing.push(bridge.event(call.started(now)));
      if (i < BAD_EACH) {
        const raw = rawNul[i];
        // A NUL outside any string: JSON.parse quotes the raw input in its error message.
        publishing.push(
          bridge.raw(`call.v1.${raw.callId}.started`, `\u0000{"callId":"${raw.callId}"}`),
        );
        // Contract-valid JSON whose text PostgreSQL cannot hold.
        const { subject, data } = encodeCallEvent({
          ...escapedNul[i].started(now),
          channelName: 'SIP/carrier\u0000-0000001',
        });
        publishing.push(bridge.raw(subject, data));
      }
    });
    await Promise.all(publishing);

    const badSubjects = [...rawNul, ...escapedNul].map((call) => `call.v1.${call.callId}.started`);
    await eventually(
      async () =>
        (await count(`SELECT count(*) FROM calls WHERE call_id = ANY($1)`, [
          good.map((call) => call.callId),
        ])) === GOOD_CALLS &&
        (await count(`SELECT count(*) FROM dead_letters WHERE subject = ANY($1)`, [
          badSubjects,
        ])) === badSubjects.length,
      15_000,
      'every good event stored and every bad one parked',
    );
    const parked = await db.query(
      `SELECT reason, count(*)::int AS n FROM dead_letters WHERE subject = ANY($1)
       GROUP BY reason ORDER BY reason`,
      [badSubjects],
    );
    expect(parked.rows).toEqual([
      { reason: 'malformed_json', n: BAD_EACH },
      { reason: 'unstorable_text', n: BAD_EACH },
    ]);
    const [rawParked] = (
      await db.query(`SELECT error, payload FROM dead_letters WHERE subject = $1`, [badSubjects[0]])
    ).rows;
    expect(rawParked.payload[0]).toBe(0);
    expect(rawParked.error).toContain('\\u0000');
    // No write was refused by the database, so no batch was split to find the culprit.
    expect(await permanentWriteFailures()).toBe(0);
  }, 30_000);

  it('stores a call whose duration does not fit the integer columns instead of parking its end', async () => {
    const calls = Array.from({ length: BAD_EACH }, () => new CallScript());
    const longAgo = Date.parse('2000-01-01T00:00:00Z');
    for (const call of calls) {
      await bridge.event(call.started(longAgo));
      await bridge.event(call.answered(longAgo + 1000));
      await bridge.event(call.ended(Date.now()));
    }
    const ids = calls.map((call) => call.callId);
    const parked = () =>
      count(`SELECT count(*) FROM dead_letters WHERE subject LIKE ANY($1)`, [
        ids.map((id) => `call.v1.${id}.%`),
      ]);
    await eventually(
      async () =>
        (await count(`SELECT count(*) FROM call_events WHERE call_id = ANY($1)`, [ids])) +
          (await parked()) ===
        3 * BAD_EACH,
      15_000,
      'every event stored or parked',
    );
    expect(await parked()).toBe(0);
    const ended = await db.query(
      `SELECT duration_ms, talk_ms FROM calls WHERE call_id = ANY($1) AND state = 'ended'`,
      [ids],
    );
    expect(ended.rows).toHaveLength(BAD_EACH);
    for (const row of ended.rows) {
      expect(row.duration_ms).toBe(2_147_483_647);
      expect(row.talk_ms).toBe(2_147_483_647);
    }
    expect(await permanentWriteFailures()).toBe(0);
  }, 30_000);
});
