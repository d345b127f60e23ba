import type { Client } from 'pg';
import {
  LoggerTestBed,
  BridgeTraffic,
  CallScript,
  eventually,
  statsSample,
} from '../__tests__/call-logger-harness';

const DATABASE = `asb_test_logger_silent_${process.pid}`;

describe('call-logger: streams whose samples stop', () => {
  let bed: LoggerTestBed;
  let bridge: BridgeTraffic;
  let db: Client;

  const stream = async (callId: string) =>
    (await db.query(`SELECT stalled, stall_count FROM streams WHERE call_id = $1`, [callId]))
      .rows[0] as { stalled: boolean; stall_count: number } | undefined;

  beforeAll(async () => {
    bed = await LoggerTestBed.start(DATABASE, { STATS_STALL_AFTER_MS: '500' });
    ({ bridge, db } = bed);
  }, 60_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('marks a running stream stalled once its samples stop (its gateway died), and clears it when they return', async () => {
    const running = new CallScript();
    const ended = new CallScript();
    const now = Date.now();
    for (const call of [running, ended]) {
      await bridge.event(call.started(now - 2000));
      await bridge.event(call.answered(now - 1500));
      await bridge.event(call.tapStarted('caller', now - 1400));
      bridge.stats(statsSample(call.callId, 'caller', now));
    }
    await bridge.event(ended.tapStopped('caller', now + 10));
    await bridge.event(ended.ended(now + 20));
    await bridge.flush();
    await eventually(
      async () => (await stream(running.callId)) !== undefined,
      10_000,
      'the stream row',
    );
    expect(await stream(running.callId)).toEqual({ stalled: false, stall_count: 0 });

    // No sample since: 500 ms of silence, which the row may learn of 5.2 s late.
    await eventually(
      async () => (await stream(running.callId))?.stalled === true,
      15_000,
      'the silent stream marked stalled',
    );
    expect(await stream(running.callId)).toEqual({ stalled: true, stall_count: 1 });
    expect(await stream(ended.callId)).toEqual({ stalled: false, stall_count: 0 });

    bridge.stats(statsSample(running.callId, 'caller', Date.now(), { packets: 500 }));
    await bridge.flush();
    await eventually(
      async () => (await stream(running.callId))?.stalled === false,
      3000,
      'the stall cleared by a new sample',
    );
    expect(await stream(running.callId)).toEqual({ stalled: false, stall_count: 1 });
  }, 40_000);
});
