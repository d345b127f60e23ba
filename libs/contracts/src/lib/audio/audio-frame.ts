import { ContractViolation } from '../contract-violation.error';
import { isValidCallId } from '../ids/call-id';
import { SOURCE_CODECS, SourceCodec } from '../payloads/common.schema';

/**
 * NATS header names of an audio frame. The payload itself is raw PCM16LE, mono, with no
 * framing, so a consumer can hand it to a speech engine as is.
 */
export const AUDIO_HEADERS = {
  /** Frame counter of the stream, from 0, +1 per published frame. */
  sequence: 'Audio-Sequence',
  /** Index of the frame's first sample since the stream started; jumps over lost audio. */
  timestamp: 'Audio-Timestamp',
  sampleRate: 'Audio-Sample-Rate',
  /** Codec the gateway received and decoded (`ulaw`, `alaw`, `slin`, `slin16`). */
  codec: 'Audio-Codec',
  frameMs: 'Audio-Frame-Ms',
  /**
   * Wall-clock time (Unix epoch milliseconds, an integer) at which the frame's first sample was
   * captured, as the gateway estimates it from when the stream's packets arrived: the one clock
   * frames of different taps, gateways and tracks share. Audio-Timestamp restarts at 0 with
   * every tap of a call; this does not.
   */
  capturedAt: 'Audio-Captured-At',
  /**
   * The tap run the frame belongs to: one id per allocation on a gateway, new when a call is
   * re-tapped. The stats' `runId` is the same id.
   */
  runId: 'Audio-Run-Id',
  /** Only on frames of a replayed call: the callId of the recorded call it copies. */
  replayOf: 'Audio-Replay-Of',
} as const;

/** Headers every frame carries; the others are optional. */
export const REQUIRED_AUDIO_HEADERS = [
  AUDIO_HEADERS.sequence,
  AUDIO_HEADERS.timestamp,
  AUDIO_HEADERS.sampleRate,
  AUDIO_HEADERS.codec,
  AUDIO_HEADERS.frameMs,
] as const;

export const AUDIO_CONTENT_TYPE = 'audio/L16; rate={sampleRate}; channels=1; endianness=little';

/** 100 ms at 16 kHz is the largest frame we ever publish (RTP ptime is 20 ms). */
export const AUDIO_FRAME_MAX_MS = 100;
export const AUDIO_FRAME_MAX_BYTES = (16000 * AUDIO_FRAME_MAX_MS * 2) / 1000;

export interface AudioFrameMeta {
  sequence: number;
  timestamp: number;
  sampleRate: 8000 | 16000;
  codec: SourceCodec;
  frameMs: number;
  /** Epoch ms of the first sample; absent only on frames of producers older than the header. */
  capturedAt?: number;
  runId?: string;
  replayOf?: string;
}

export interface AudioFrame extends AudioFrameMeta {
  /** PCM16LE samples; a view on the message payload, not a copy. */
  pcm: Uint8Array;
}

export function audioFrameHeaderEntries(meta: AudioFrameMeta): Array<[string, string]> {
  return [
    [AUDIO_HEADERS.sequence, String(meta.sequence)],
    [AUDIO_HEADERS.timestamp, String(meta.timestamp)],
    [AUDIO_HEADERS.sampleRate, String(meta.sampleRate)],
    [AUDIO_HEADERS.codec, meta.codec],
    [AUDIO_HEADERS.frameMs, String(meta.frameMs)],
    ...(meta.capturedAt === undefined
      ? []
      : [[AUDIO_HEADERS.capturedAt, String(Math.round(meta.capturedAt))] as [string, string]]),
    ...(meta.runId === undefined ? [] : [[AUDIO_HEADERS.runId, meta.runId] as [string, string]]),
    ...(meta.replayOf === undefined
      ? []
      : [[AUDIO_HEADERS.replayOf, meta.replayOf] as [string, string]]),
  ];
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

function readRunId(read: (name: string) => string | undefined): string | undefined {
  const raw = read(AUDIO_HEADERS.runId);
  if (raw === undefined || RUN_ID.test(raw)) return raw;
  throw new ContractViolation(
    'invalid_audio_frame',
    `header ${AUDIO_HEADERS.runId} must be 1-64 letters, digits, '-' or '_', got ${JSON.stringify(raw)}`,
  );
}

function readReplayOf(read: (name: string) => string | undefined): string | undefined {
  const raw = read(AUDIO_HEADERS.replayOf);
  if (raw === undefined || isValidCallId(raw)) return raw;
  throw new ContractViolation(
    'invalid_audio_frame',
    `header ${AUDIO_HEADERS.replayOf} must be a callId, got ${JSON.stringify(raw)}`,
  );
}

function readInteger(read: (name: string) => string | undefined, name: string): number {
  const raw = read(name);
  if (raw === undefined || !/^[0-9]{1,15}$/.test(raw)) {
    throw new ContractViolation(
      'invalid_audio_frame',
      `header ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

/**
 * Validates an audio message: headers present and sane, payload length consistent with the
 * rate and duration the headers claim. `read` returns a header's value (undefined if absent).
 */
export function parseAudioFrame(
  read: (name: string) => string | undefined,
  payload: Uint8Array,
): AudioFrame {
  const sampleRate = readInteger(read, AUDIO_HEADERS.sampleRate);
  if (sampleRate !== 8000 && sampleRate !== 16000) {
    throw new ContractViolation('invalid_audio_frame', `unsupported sample rate ${sampleRate}`);
  }
  const codec = read(AUDIO_HEADERS.codec);
  if (!(SOURCE_CODECS as readonly string[]).includes(codec ?? '')) {
    throw new ContractViolation('invalid_audio_frame', `unknown codec ${JSON.stringify(codec)}`);
  }
  const frameMs = readInteger(read, AUDIO_HEADERS.frameMs);
  if (frameMs < 1 || frameMs > AUDIO_FRAME_MAX_MS) {
    throw new ContractViolation(
      'invalid_audio_frame',
      `frame duration ${frameMs} ms is outside 1-${AUDIO_FRAME_MAX_MS}`,
    );
  }
  if (payload.byteLength > AUDIO_FRAME_MAX_BYTES) {
    throw new ContractViolation(
      'oversized_payload',
      `audio frame of ${payload.byteLength} bytes exceeds ${AUDIO_FRAME_MAX_BYTES}`,
    );
  }
  const expectedBytes = (sampleRate * frameMs * 2) / 1000;
  if (payload.byteLength !== expectedBytes) {
    throw new ContractViolation(
      'invalid_audio_frame',
      `${payload.byteLength} bytes of PCM16 do not make ${frameMs} ms at ${sampleRate} Hz (${expectedBytes} expected)`,
    );
  }
  return {
    sequence: readInteger(read, AUDIO_HEADERS.sequence),
    timestamp: readInteger(read, AUDIO_HEADERS.timestamp),
    sampleRate,
    codec: codec as SourceCodec,
    frameMs,
    capturedAt:
      read(AUDIO_HEADERS.capturedAt) === undefined
        ? undefined
        : readInteger(read, AUDIO_HEADERS.capturedAt),
    runId: readRunId(read),
    replayOf: readReplayOf(read),
    pcm: payload,
  };
}
