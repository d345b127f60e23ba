import { decodeJson, encodeJson } from './json-codec';
import {
  decodeTranscriptSegment,
  encodeTranscriptSegment,
  TRANSCRIPT_SEGMENT_MAX_BYTES,
  TranscriptSegment,
  transcriptSegmentSchema,
} from './transcript.schema';

const segment: TranscriptSegment = {
  schemaVersion: 1,
  segmentId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  callId: 'pbx1-1732451234-56',
  track: 'caller',
  kind: 'final',
  span: {
    runId: 'run-1',
    startSample: 8000,
    endSample: 24000,
    sampleRate: 8000,
    startAt: 1_796_300_001_000,
    endAt: 1_796_300_003_000,
  },
  text: 'I would like to pay my bill',
  confidence: 0.92,
  producer: { name: 'speech-activity', version: '1' },
  occurredAt: '2026-12-04T10:00:03.100Z',
};

const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as { reason?: string }).reason;
  }
  return undefined;
};

describe('transcript segments', () => {
  it('round-trips a segment through JSON', () => {
    const data = encodeJson(transcriptSegmentSchema, segment, TRANSCRIPT_SEGMENT_MAX_BYTES);
    expect(decodeJson(transcriptSegmentSchema, data, TRANSCRIPT_SEGMENT_MAX_BYTES)).toEqual(
      segment,
    );
  });

  it.each([
    ['a span that ends before it starts', { span: { ...segment.span, endSample: 10 } }],
    ['a confidence above 1', { confidence: 1.2 }],
    ['an unknown kind', { kind: 'draft' }],
    ['a callId that is not one subject token', { callId: 'pbx1.1' }],
    ['a producer without a name', { producer: { name: '' } }],
  ])('refuses %s', (_what, change) => {
    const data = new TextEncoder().encode(JSON.stringify({ ...segment, ...change }));
    expect(
      reasonOf(() => decodeJson(transcriptSegmentSchema, data, TRANSCRIPT_SEGMENT_MAX_BYTES)),
    ).toBe('invalid_payload');
  });

  it('encodes a segment on its subject and decodes it back', () => {
    const { subject, data } = encodeTranscriptSegment(segment);
    expect(subject).toBe('transcript.v1.pbx1-1732451234-56.caller');
    expect(decodeTranscriptSegment(subject, data)).toEqual(segment);
  });

  it('refuses a segment whose subject names another track or call', () => {
    const { data } = encodeTranscriptSegment(segment);
    expect(
      reasonOf(() => decodeTranscriptSegment('transcript.v1.pbx1-1732451234-56.agent', data)),
    ).toBe('subject_payload_mismatch');
    expect(reasonOf(() => decodeTranscriptSegment('transcript.v1.pbx1-1-1.caller', data))).toBe(
      'subject_payload_mismatch',
    );
    expect(reasonOf(() => decodeTranscriptSegment('transcript.v1.caller', data))).toBe(
      'invalid_subject',
    );
  });
});
