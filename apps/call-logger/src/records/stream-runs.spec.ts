import type { Client } from 'pg';
import {
  LoggerTestBed,
  BridgeTraffic,
  CallScript,
  eventually,
  statsSample,
} from '../__tests__/call-logger-harness';

const DATABASE = `asb_test_logger_runs_${process.pid}`;

describe('call-logger: a stream tapped more than once', () => {
  let bed: LoggerTestBed;
  let bridge: BridgeTraffic;
  let db: Client;

  beforeAll(async () => {
    bed = await LoggerTestBed.start(DATABASE, { RECORDINGS_ENABLED: 'false' });
    ({ bridge, db } = bed);
  }, 60_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it("keeps each tap's counters and sums them into the stream, first packet time included", async () => {
    const call = new CallScript();
    const t0 = Date.now() - 30_000;
    await bridge.event(call.started(t0 - 2000));
    await bridge.event(call.answered(t0 - 1000));
    await bridge.event(call.tapStarted('caller', t0));
    const firstPacketAt = new Date(t0 + 238).toISOString();
    // The first attempt's allocation never got a packet and reports on (zeros) while the second
    // attempt's stream runs: their samples interleave.
    for (let s = 0; s < 10; s += 1) {
      bridge.stats(
        statsSample(call.callId, 'caller', t0 + s * 1000, {
          runId: 'attempt-1',
          packets: 0,
          bytes: 0,
          lastPacketAgeMs: 1000 * s,
        }),
      );
      bridge.stats(
        statsSample(call.callId, 'caller', t0 + s * 1000 + 500, {
          runId: 'attempt-2',
          packets: s === 9 ? 2455 : 50 * (s + 1),
          lost: s === 9 ? 5 : 0,
          firstPacketAt,
          lastPacketAgeMs: 20,
        }),
      );
    }
    // A failover: the track is tapped again on another gateway, whose counters start from zero.
    for (let s = 10; s < 13; s += 1) {
      bridge.stats(
        statsSample(call.callId, 'caller', t0 + s * 1000, {
          runId: 'failover',
          gatewayId: 'gw-2',
          packets: 100 * (s - 9),
          lost: 1,
          firstPacketAt: new Date(t0 + 10_020).toISOString(),
        }),
      );
    }
    await bridge.flush();
    await bridge.event(call.ended(t0 + 14_000));
    await eventually(
      async () =>
        Number(
          (
            await db.query(
              `SELECT count(*) FROM streams WHERE call_id = $1 AND last_sample_at = $2`,
              [call.callId, new Date(t0 + 12_000)],
            )
          ).rows[0].count,
        ) === 1,
      10_000,
      'the last sample written',
    );
    const [stream] = (
      await db.query(
        `SELECT packets, lost, loss_ratio, first_packet_at FROM streams WHERE call_id = $1`,
        [call.callId],
      )
    ).rows;
    expect(stream).toMatchObject({ packets: String(2455 + 300), lost: '6' });
    expect(stream.loss_ratio).toBeCloseTo(6 / (2755 + 6), 6);
    expect(stream.first_packet_at.toISOString()).toBe(firstPacketAt);
    const runs = (
      await db.query(
        `SELECT run_id, gateway_id, packets::int, lost::int, first_packet_at FROM stream_runs
         WHERE call_id = $1 ORDER BY run_id`,
        [call.callId],
      )
    ).rows;
    expect(runs).toEqual([
      { run_id: 'attempt-1', gateway_id: 'gw-test', packets: 0, lost: 0, first_packet_at: null },
      {
        run_id: 'attempt-2',
        gateway_id: 'gw-test',
        packets: 2455,
        lost: 5,
        first_packet_at: new Date(firstPacketAt),
      },
      {
        run_id: 'failover',
        gateway_id: 'gw-2',
        packets: 300,
        lost: 1,
        first_packet_at: new Date(t0 + 10_020),
      },
    ]);
  }, 30_000);
});
