import type { TranscriptSegment } from '@asb/contracts';
import { mergeSegments, speakerOf } from './transcript-lines';

const line = (
  segmentId: string,
  kind: 'partial' | 'final',
  startAt: number,
  text = '',
  track: 'caller' | 'agent' = 'caller',
): TranscriptSegment => ({
  schemaVersion: 1,
  segmentId,
  callId: 'pbx1-1-1',
  track,
  kind,
  span: {
    runId: 'r',
    startSample: 0,
    endSample: 8000,
    sampleRate: 8000,
    startAt,
    endAt: startAt + 1000,
  },
  text,
  producer: { name: 'speech-activity' },
  occurredAt: '2026-12-04T10:00:00.000Z',
});

describe('transcript lines', () => {
  it('replaces a partial by the next message of its segment, and orders lines by when they were spoken', () => {
    const merged = mergeSegments(
      [line('b', 'partial', 2000, 'thank'), line('a', 'final', 1000, 'hello', 'agent')],
      [line('b', 'final', 2000, 'thank you'), line('c', 'partial', 1500, '', 'caller')],
    );
    expect(merged.map((s) => [s.segmentId, s.kind, s.text])).toEqual([
      ['a', 'final', 'hello'],
      ['c', 'partial', ''],
      ['b', 'final', 'thank you'],
    ]);
  });

  it('keeps a final when a partial of it comes after', () => {
    const merged = mergeSegments(
      [line('a', 'final', 1000, 'hello')],
      [line('a', 'partial', 1000, 'hel')],
    );
    expect(merged.map((s) => [s.kind, s.text])).toEqual([['final', 'hello']]);
  });

  it('names the caller track the customer', () => {
    expect(speakerOf(line('a', 'final', 0))).toBe('customer');
    expect(speakerOf(line('a', 'final', 0, '', 'agent'))).toBe('agent');
  });
});
