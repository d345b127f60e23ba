import { SequenceTracker, SequenceVerdict } from './sequence-tracker';

function feed(sequences: number[]): { tracker: SequenceTracker; verdicts: SequenceVerdict[] } {
  const tracker = new SequenceTracker();
  return { tracker, verdicts: sequences.map((seq) => tracker.update(seq)) };
}

function counts(tracker: SequenceTracker) {
  const { expected, received, lost, duplicates, reordered, bad, restarts } = tracker;
  return { expected, received, lost, duplicates, reordered, bad, restarts };
}

const CLEAN = { lost: 0, duplicates: 0, reordered: 0, bad: 0, restarts: 0 };

describe('SequenceTracker', () => {
  it('counts nothing before the first packet', () => {
    expect(counts(new SequenceTracker())).toEqual({ expected: 0, received: 0, ...CLEAN });
  });

  it('follows the sequence across the 65535 -> 0 wrap', () => {
    const { tracker, verdicts } = feed([65533, 65534, 65535, 0, 1, 2]);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(counts(tracker)).toEqual({ expected: 6, received: 6, ...CLEAN });
  });

  it('counts a gap as loss', () => {
    const { tracker, verdicts } = feed([10, 11, 14, 15]);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(counts(tracker)).toEqual({ expected: 6, received: 4, ...CLEAN, lost: 2 });
  });

  it('counts a gap across the wrap as loss', () => {
    const { tracker } = feed([65534, 1]);
    expect([tracker.expected, tracker.lost]).toEqual([4, 2]);
  });

  it('takes a late packet back out of the loss', () => {
    const { tracker, verdicts } = feed([10, 11, 13, 12, 14]);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'reordered', 'ok']);
    expect(counts(tracker)).toEqual({ expected: 5, received: 5, ...CLEAN, reordered: 1 });
  });

  it('recognises reordering across the wrap', () => {
    const { tracker, verdicts } = feed([65534, 0, 65535, 1]);
    expect(verdicts).toEqual(['ok', 'ok', 'reordered', 'ok']);
    expect(counts(tracker)).toEqual({ expected: 4, received: 4, ...CLEAN, reordered: 1 });
  });

  it('recognises duplicates of the newest and of older packets and does not count them', () => {
    const { tracker, verdicts } = feed([20, 21, 21, 22, 20, 21]);
    expect(verdicts).toEqual(['ok', 'ok', 'duplicate', 'ok', 'duplicate', 'duplicate']);
    expect(counts(tracker)).toEqual({ expected: 3, received: 3, ...CLEAN, duplicates: 3 });
  });

  it('recognises a duplicate of a reordered packet across the wrap', () => {
    const { tracker, verdicts } = feed([65535, 1, 0, 0]);
    expect(verdicts).toEqual(['ok', 'ok', 'reordered', 'duplicate']);
    expect(tracker.lost).toBe(0);
  });

  it('never lets duplicates make the loss negative', () => {
    const { tracker } = feed([5, 5, 5, 5, 6, 6]);
    expect(counts(tracker)).toEqual({ expected: 2, received: 2, ...CLEAN, duplicates: 4 });
  });

  it('extends the stream backwards for a packet from before the first one', () => {
    expect(counts(feed([10, 9]).tracker)).toEqual({
      expected: 2,
      received: 2,
      ...CLEAN,
      reordered: 1,
    });
    expect(feed([10, 8]).tracker.lost).toBe(1);
    expect(feed([0, 65535]).verdicts).toEqual(['ok', 'reordered']);
  });

  it('drops a lone far jump and goes on as if it never came', () => {
    const { tracker, verdicts } = feed([100, 101, 30000, 102]);
    expect(verdicts).toEqual(['ok', 'ok', 'bad', 'ok']);
    expect(counts(tracker)).toEqual({ expected: 3, received: 3, ...CLEAN, bad: 1 });
  });

  it('drops a packet older than the misorder window', () => {
    const { verdicts } = feed([1000, 1001, 850]);
    expect(verdicts).toEqual(['ok', 'ok', 'bad']);
  });

  it('restarts on two sequential packets after a jump and keeps the totals', () => {
    const { tracker, verdicts } = feed([100, 101, 103, 40000, 40001, 40002, 40004]);
    expect(verdicts).toEqual(['ok', 'ok', 'ok', 'bad', 'restart', 'ok', 'ok']);
    // 100..103 expected 4, received 3; then 40001..40004 expected 4, received 3.
    expect(counts(tracker)).toEqual({
      expected: 8,
      received: 6,
      ...CLEAN,
      lost: 2,
      bad: 1,
      restarts: 1,
    });
  });

  it('does not mistake the restarted numbering for duplicates of the old one', () => {
    // Restarting 120 behind the old stream reuses numbers the old stream already received.
    const old = Array.from({ length: 1001 }, (_, i) => 1000 + i);
    const { verdicts } = feed([...old, 1880, 1881, 1882, 1884, 1883]);
    expect(verdicts.slice(old.length)).toEqual(['bad', 'restart', 'ok', 'ok', 'reordered']);
  });

  it('counts exactly the packets dropped over several wraps', () => {
    const tracker = new SequenceTracker();
    let state = 12345;
    let dropped = 0;
    let notOk = 0;
    const first = 60000;
    const total = 200_000;
    for (let i = 0; i < total; i += 1) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      // Never drop the newest packet, so every loss is inside the expected range.
      if (state % 100 === 0 && i < total - 1) {
        dropped += 1;
        continue;
      }
      if (tracker.update((first + i) & 0xffff) !== 'ok') notOk += 1;
    }
    expect(dropped).toBeGreaterThan(1000);
    expect(notOk).toBe(0);
    expect([tracker.expected, tracker.received, tracker.lost]).toEqual([
      total,
      total - dropped,
      dropped,
    ]);
  });
  it('follows a new sender from its first packet, keeping what the old one counted', () => {
    const { tracker } = feed([100, 101, 102]);
    tracker.followNewSender(7000);
    expect(tracker.update(7001)).toBe('ok');
    expect(tracker.update(7001)).toBe('duplicate');
    expect([tracker.expected, tracker.received, tracker.lost, tracker.restarts]).toEqual([
      5, 5, 0, 1,
    ]);
  });
});
