import type { AudioFrame, AudioTrack, TranscriptSpan } from '@asb/contracts';

/** What a recogniser says about a stretch of one track: the worker adds the call, track and producer. */
export interface RecognisedSegment {
  /** The same id for a segment's partials and its final. */
  segmentId: string;
  kind: 'partial' | 'final';
  span: TranscriptSpan;
  /** What was said; empty where the recogniser only tells that someone spoke. */
  text: string;
  confidence?: number;
  language?: string;
}

/**
 * One track's recogniser: it is fed the track's frames in order and answers with the segments to
 * publish. Plug a speech engine in here (a streaming ASR client, a local model): the worker's
 * claiming, subscribing and publishing stay as they are.
 */
export interface Recogniser {
  /** One frame of the track (PCM16LE in `frame.pcm`, a view on the message: copy to keep it). */
  push(frame: AudioFrame): RecognisedSegment[];
  /** The track is over (the call ended, the worker stops): the finals of what is still open. */
  end(): RecognisedSegment[];
}

/** Makes one recogniser per track and names the producer in every segment. */
export interface RecogniserFactory {
  readonly producer: { name: string; version?: string };
  /** Free text added to every segment, e.g. the model. */
  readonly note?: string;
  forTrack(callId: string, track: AudioTrack): Recogniser;
}
