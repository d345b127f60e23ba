import { z } from 'zod';
import { ContractViolation } from '../contract-violation.error';
import { parseTranscriptSubject, transcriptSubject } from '../subjects/subjects';
import {
  callIdSchema,
  isoTimestampSchema,
  sampleRateSchema,
  schemaVersionSchema,
  shortTextSchema,
  trackSchema,
} from './common.schema';
import { decodeJson, encodeJson } from './json-codec';

/** Who produced a transcript: any ASR worker names itself. */
export const transcriptProducerSchema = z.object({
  name: z.string().min(1).max(64),
  version: z.string().max(64).optional(),
});

/**
 * Where a segment lies in the call's audio. `startAt`/`endAt` are on the clock every frame
 * shares (Audio-Captured-At, epoch ms), so segments of both tracks and of every tap run line up;
 * `runId` and the sample positions name the exact samples (Audio-Timestamp within that run).
 */
export const transcriptSpanSchema = z
  .object({
    runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    startSample: z.number().int().min(0),
    endSample: z.number().int().min(0),
    sampleRate: sampleRateSchema,
    startAt: z.number().int().min(0),
    endAt: z.number().int().min(0),
  })
  .refine((span) => span.endSample >= span.startSample && span.endAt >= span.startAt, {
    message: 'a segment ends at or after its start',
  });

/**
 * `transcript.v1.<callId>.<track>`: one segment of speech recognised on a track. A recogniser
 * publishes `partial` segments while the words are still changing and one `final` with the same
 * `segmentId` when they are settled; consumers replace a segment's text by the newest message.
 */
export const transcriptSegmentSchema = z.object({
  schemaVersion: schemaVersionSchema,
  segmentId: z.uuid(),
  callId: callIdSchema,
  /** The speaker: `caller` is the customer, `agent` the agent (the track the audio came from). */
  track: trackSchema,
  kind: z.enum(['partial', 'final']),
  span: transcriptSpanSchema,
  /** What was said; empty where the recogniser only tells that someone spoke. */
  text: z.string().max(4000),
  /** 0-1, where the recogniser gives one. */
  confidence: z.number().min(0).max(1).optional(),
  /** BCP 47, e.g. `en-US`, where known. */
  language: z.string().max(35).optional(),
  producer: transcriptProducerSchema,
  occurredAt: isoTimestampSchema,
  /** Free text the producer adds, e.g. the model. */
  note: shortTextSchema.optional(),
});
export type TranscriptSegment = z.infer<typeof transcriptSegmentSchema>;
export type TranscriptSpan = z.infer<typeof transcriptSpanSchema>;

export const TRANSCRIPT_SEGMENT_MAX_BYTES = 16 * 1024;

export interface EncodedTranscriptSegment {
  subject: string;
  data: Uint8Array;
}

/** The segment's subject and validated body, for a worker to publish. */
export function encodeTranscriptSegment(segment: TranscriptSegment): EncodedTranscriptSegment {
  return {
    subject: transcriptSubject(segment.callId, segment.track),
    data: encodeJson(transcriptSegmentSchema, segment, TRANSCRIPT_SEGMENT_MAX_BYTES),
  };
}

/** Decodes a segment and checks that its subject and its body name the same call and track. */
export function decodeTranscriptSegment(subject: string, data: Uint8Array): TranscriptSegment {
  const fromSubject = parseTranscriptSubject(subject);
  const segment = decodeJson(transcriptSegmentSchema, data, TRANSCRIPT_SEGMENT_MAX_BYTES);
  if (segment.callId !== fromSubject.callId || segment.track !== fromSubject.track) {
    throw new ContractViolation(
      'subject_payload_mismatch',
      `subject says ${fromSubject.callId}/${fromSubject.track}, body says ${segment.callId}/${segment.track}`,
    );
  }
  return segment;
}
