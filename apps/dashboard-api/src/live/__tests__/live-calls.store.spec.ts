import { SyntheticCall } from '../../__tests__/dashboard-api-harness';
import { classifyStreamHealth, intervalLossPercent } from '../classify-stream-health.util';
import type { EndedCall, StreamHealthUpdate } from '@asb/contracts';
import { CallChangeKind, LiveCallsStore } from '../live-calls.store';

const THRESHOLDS = { degradedLossPercent: 2, degradedJitterMs: 40 };

function storeWithLog() {
  const store = new LiveCallsStore({ ...THRESHOLDS, idleMs: 60_000, stallAfterMs: 3000 });
  const log: string[] = [];
  store.subscribe({
    callChanged: (kind: CallChangeKind, call) => log.push(`${kind} ${call.callId}`),
    callEnded: (ended: EndedCall) => log.push(`ended ${ended.callId} at ${ended.endedAt}`),
    streamChanged: (update: StreamHealthUpdate) =>
      log.push(`health ${update.track} ${update.health}`),
  });
  return { store, log };
}

describe('intervalLossPercent and classifyStreamHealth', () => {
  it('judges loss over the last interval, and copes with restarted counters', () => {
    expect(intervalLossPercent(undefined, { packets: 95, lost: 5 })).toBe(5);
    expect(intervalLossPercent({ packets: 95, lost: 5 }, { packets: 145, lost: 5 })).toBe(0);
    expect(intervalLossPercent({ packets: 950, lost: 50 }, { packets: 10, lost: 0 })).toBe(0);
    expect(intervalLossPercent({ packets: 0, lost: 0 }, { packets: 0, lost: 0 })).toBe(0);
  });

  it('ranks stalled over degraded over healthy', () => {
    expect(classifyStreamHealth({ stalled: true, jitterMs: 0 }, 0, THRESHOLDS)).toBe('stalled');
    expect(classifyStreamHealth({ stalled: false, jitterMs: 45 }, 0, THRESHOLDS)).toBe('degraded');
    expect(classifyStreamHealth({ stalled: false, jitterMs: 1 }, 2, THRESHOLDS)).toBe('degraded');
    expect(classifyStreamHealth({ stalled: false, jitterMs: 1 }, 1.9, THRESHOLDS)).toBe('healthy');
  });
});

describe('LiveCallsStore', () => {
  it('follows a call from start to end and counts its streams', () => {
    const { store, log } = storeWithLog();
    const call = new SyntheticCall('c1');
    store.applyEvent(call.started());
    store.applyEvent(call.answered());
    store.applyEvent(call.tapStarted('caller'));
    store.applyEvent(call.tapStarted('agent'));
    store.applyStats(call.stats('caller'));
    store.applyStats(call.stats('agent', { stalled: true }));
    expect(store.counts()).toEqual({
      active: 1,
      ringing: 0,
      answered: 1,
      streams: { waiting: 0, healthy: 1, degraded: 0, stalled: 1 },
    });
    const ended = call.ended();
    store.applyEvent(ended);
    expect(log).toEqual([
      'started c1',
      'answered c1',
      'updated c1',
      'updated c1',
      'health caller healthy',
      'health agent stalled',
      `ended c1 at ${ended.occurredAt}`,
    ]);
    expect(store.size).toBe(0);
  });

  it('does not bring an ended call back with late samples or events', () => {
    const { store, log } = storeWithLog();
    const call = new SyntheticCall('c2');
    store.applyEvent(call.started());
    store.applyEvent(call.ended());
    store.applyStats(call.stats('caller'));
    store.applyEvent(call.tapStarted('caller'));
    expect(store.size).toBe(0);
    expect(log).toEqual(['started c2', expect.stringMatching(/^ended c2 at 20/)]);
  });

  it("never makes a live call of a disposition from VICIdial's log, and takes it for a live one", () => {
    const { store, log } = storeWithLog();
    const gone = new SyntheticCall('c8');
    store.applyEvent(gone.disposition('SALE'));
    expect(store.size).toBe(0);
    const live = new SyntheticCall('c9');
    store.applyEvent(live.started());
    store.applyEvent(live.disposition('CALLBK'));
    expect(store.get('c9')?.vicidial).toMatchObject({ status: 'CALLBK' });
    expect(log).toEqual(['started c9', 'updated c9']);
  });

  it("shows a live call's standing audio verdicts and who is talking, and never revives a call for its talk summary", () => {
    const { store, log } = storeWithLog();
    const call = new SyntheticCall('c6');
    store.applyEvent(call.started());
    store.applyEvent(call.answered());
    store.applyEvent(call.tapStarted('caller'));
    store.applyEvent(call.audioVerdict('one_way_audio', 'raised', 'agent'));
    store.applyEvent(call.audioVerdict('clipping', 'raised', 'caller'));
    store.applyEvent(call.audioVerdict('one_way_audio', 'cleared', 'agent'));
    expect(store.get('c6')?.audioVerdicts).toEqual([
      expect.objectContaining({ verdict: 'clipping', track: 'caller', detail: 'clipping' }),
    ]);
    const audio = {
      analysedMs: 1000,
      signalMs: 1000,
      speechMs: 400,
      clippedSamples: 0,
      dcOffset: 0,
      clipping: false,
    };
    store.applyStats(
      call.stats('caller', { audio: { ...audio, activity: { from: 0, slots: '1111100000' } } }),
    );
    expect(store.get('c6')?.tracks.caller?.speaking).toBe(false);
    store.applyStats(
      call.stats('caller', { audio: { ...audio, activity: { from: 0, slots: '0000000011' } } }),
    );
    expect(store.get('c6')?.tracks.caller?.speaking).toBe(true);
    store.applyStats(call.stats('caller'));
    expect(store.get('c6')?.tracks.caller?.speaking).toBeNull();

    // A summary or a verdict of a call this replica does not know (its end was before the replay).
    const gone = new SyntheticCall('c7');
    store.applyEvent(gone.talkSummary());
    store.applyEvent(gone.audioVerdict('clipping', 'raised', 'caller'));
    expect(store.get('c7')).toBeUndefined();
    expect(log.filter((line) => line.includes('c7'))).toEqual([]);
  });

  it('builds a call seen first after its start (older than the replay), and fills in the start later', () => {
    const { store } = storeWithLog();
    const call = new SyntheticCall('c3');
    store.applyEvent(call.answered(new Date('2025-01-01T10:00:05Z')));
    expect(store.get('c3')).toMatchObject({
      state: 'answered',
      answeredAt: '2025-01-01T10:00:05.000Z',
    });
    store.applyEvent(call.started(new Date('2025-01-01T10:00:00Z')));
    expect(store.get('c3')).toMatchObject({
      state: 'answered',
      startedAt: '2025-01-01T10:00:00.000Z',
      callerNumber: '5551234567',
    });
  });

  it('shows a tapped stream whose samples stopped as stalled, until they come again', () => {
    const { store, log } = storeWithLog();
    const call = new SyntheticCall('c5');
    store.applyEvent(call.answered(), 0);
    store.applyEvent(call.tapStarted('caller'), 0);
    store.applyEvent(call.tapStarted('agent'), 0);
    store.applyStats(call.stats('caller'), 1000);
    store.applyStats(call.stats('agent'), 1000);
    store.applyEvent(call.tapStopped('agent'), 1500);
    expect(store.markSilentStalled(4000)).toBe(0);
    // Only the stream still tapped: the agent's tap stopped, its silence is expected.
    expect(store.markSilentStalled(4001)).toBe(1);
    expect(store.get('c5')?.tracks.caller?.health).toBe('stalled');
    expect(store.get('c5')?.tracks.agent?.health).toBe('healthy');
    expect(store.counts().streams).toEqual({ waiting: 0, healthy: 0, degraded: 0, stalled: 1 });
    expect(log.at(-1)).toBe('health caller stalled');
    // Said once, not at every check.
    expect(store.markSilentStalled(9000)).toBe(0);
    store.applyStats(call.stats('caller'), 9500);
    expect(store.get('c5')?.tracks.caller?.health).toBe('healthy');
    expect(log.at(-1)).toBe('health caller healthy');
  });

  it('counts a tap that never sent a sample as stalled once the wait is over', () => {
    const { store } = storeWithLog();
    const call = new SyntheticCall('c6');
    store.applyEvent(call.answered(), 0);
    store.applyEvent(call.tapStarted('caller'), 0);
    expect(store.markSilentStalled(2000)).toBe(0);
    expect(store.get('c6')?.tracks.caller?.health).toBe('waiting');
    expect(store.markSilentStalled(3500)).toBe(1);
    expect(store.get('c6')?.tracks.caller?.health).toBe('stalled');
  });

  it('drops calls that went silent longer than the idle limit', () => {
    const { store, log } = storeWithLog();
    const call = new SyntheticCall('c4');
    store.applyEvent(call.started(), 0);
    expect(store.sweep(59_000)).toBe(0);
    expect(store.sweep(61_000)).toBe(1);
    // Its end was never seen: no time is made up for it.
    expect(log.at(-1)).toBe('ended c4 at null');
  });

  it('gives an end found by reconciliation no time', () => {
    const { store, log } = storeWithLog();
    const call = new SyntheticCall('c5');
    store.applyEvent(call.started());
    const ended = call.ended();
    if (ended.event !== 'ended') throw new Error('not an end');
    store.applyEvent({ ...ended, reconciled: true });
    expect(log.at(-1)).toBe('ended c5 at null');
  });

  it('settles on the calls an ari-ingest follows: the others go once past the grace, and may come back', () => {
    const { store, log } = storeWithLog();
    const t0 = Date.parse('2026-12-04T10:00:00.000Z');
    const [followed, ghost, young] = ['c6', 'c7', 'c8'].map((id) => new SyntheticCall(id));
    store.applyEvent(followed.started(new Date(t0)), t0);
    store.applyEvent(ghost.started(new Date(t0)), t0);
    store.applyEvent(ghost.answered(new Date(t0 + 1000)), t0);
    store.applyEvent(young.started(new Date(t0 + 50_000)), t0 + 50_000);
    const registry = new Set([followed.callId]);

    expect(store.settle(registry, 15_000, t0 + 10_000)).toBe(0);
    expect(store.settle(registry, 15_000, t0 + 60_000)).toBe(1);
    expect(store.snapshot().map((c) => c.callId)).toEqual([followed.callId, young.callId]);
    expect(store.counts().active).toBe(2);
    expect(log.at(-1)).toBe('ended c7 at null');

    // News of it (an instance took it up after all) brings it back.
    store.applyEvent(ghost.tapStarted('caller'), t0 + 61_000);
    expect(store.get(ghost.callId)).toBeDefined();
  });
});
