import { randomUUID } from 'node:crypto';
import type { AudioFrame } from '@asb/contracts';
import type { RecognisedSegment, Recogniser, RecogniserFactory } from './recogniser';

export interface SpeechActivitySettings {
  /** Silence after speech that ends a segment: short pauses between words stay inside it. */
  hangoverMs: number;
  /** Speech needed before a segment is announced, so a click makes none. */
  minSpeechMs: number;
  /** How often a partial is published while the speech goes on. */
  partialEveryMs: number;
  /** Energy a frame needs above the line's noise floor to count as speech. */
  aboveFloorDb: number;
  /** And at least this level, so a quiet line's hiss is never speech. */
  minSpeechDbfs: number;
}

export const SPEECH_ACTIVITY_DEFAULTS: SpeechActivitySettings = {
  hangoverMs: 250,
  minSpeechMs: 60,
  partialEveryMs: 500,
  aboveFloorDb: 15,
  minSpeechDbfs: -45,
};

/** How fast the noise floor rises back after a quiet frame pulled it down (dB per frame). */
const FLOOR_RISE_DB = 0.05;
const SILENCE_DBFS = -100;
const FULL_SCALE_SQUARED = 32768 * 32768;

interface OpenSegment {
  segmentId: string;
  runId: string;
  sampleRate: number;
  startSample: number;
  startAt: number;
  /** The end of the last speech frame. */
  endSample: number;
  endAt: number;
  speechMs: number;
  announced: boolean;
  lastPartialSample: number;
}

/**
 * The example's honest default: it tells when someone speaks, not what they say. A frame is
 * speech when its energy stands `aboveFloorDb` over the line's noise floor (the floor follows the
 * quietest frames down at once and drifts up slowly); a segment ends after `hangoverMs` without
 * speech, and its text is empty. Each frame costs one pass over its samples and no allocation.
 */
export class SpeechActivityRecogniser implements Recogniser {
  private floorDb = SILENCE_DBFS;
  private open?: OpenSegment;

  constructor(private readonly settings: SpeechActivitySettings = SPEECH_ACTIVITY_DEFAULTS) {}

  push(frame: AudioFrame): RecognisedSegment[] {
    const out: RecognisedSegment[] = [];
    const runId = frame.runId ?? 'unnamed-run';
    const samples = frame.pcm.byteLength >> 1;
    const capturedAt = frame.capturedAt ?? Date.now();
    // A re-tap starts a new run, whose sample positions start again: a segment never spans two.
    if (this.open && this.open.runId !== runId) this.close(out);
    const level = levelDbfs(frame.pcm);
    const speech =
      level >= this.settings.minSpeechDbfs && level >= this.floorDb + this.settings.aboveFloorDb;
    this.floorDb = level < this.floorDb ? level : this.floorDb + FLOOR_RISE_DB;
    const frameEnd = frame.timestamp + samples;
    const frameMs = (samples * 1000) / frame.sampleRate;
    if (speech) {
      if (!this.open) {
        this.open = {
          segmentId: randomUUID(),
          runId,
          sampleRate: frame.sampleRate,
          startSample: frame.timestamp,
          startAt: capturedAt,
          endSample: frameEnd,
          endAt: Math.round(capturedAt + frameMs),
          speechMs: 0,
          announced: false,
          lastPartialSample: frame.timestamp,
        };
      }
      const open = this.open;
      open.endSample = frameEnd;
      open.endAt = Math.round(capturedAt + frameMs);
      open.speechMs += frameMs;
      const partialEvery = (this.settings.partialEveryMs * open.sampleRate) / 1000;
      if (!open.announced && open.speechMs >= this.settings.minSpeechMs) {
        open.announced = true;
        open.lastPartialSample = frameEnd;
        out.push(this.segment(open, 'partial'));
      } else if (open.announced && frameEnd - open.lastPartialSample >= partialEvery) {
        open.lastPartialSample = frameEnd;
        out.push(this.segment(open, 'partial'));
      }
    } else if (this.open) {
      const silentSamples = frameEnd - this.open.endSample;
      if (silentSamples >= (this.settings.hangoverMs * this.open.sampleRate) / 1000) {
        this.close(out);
      }
    }
    return out;
  }

  end(): RecognisedSegment[] {
    const out: RecognisedSegment[] = [];
    this.close(out);
    return out;
  }

  /** Ends the open segment: a final if it was announced, nothing if it was too short. */
  private close(out: RecognisedSegment[]): void {
    const open = this.open;
    this.open = undefined;
    if (open?.announced) out.push(this.segment(open, 'final'));
  }

  private segment(open: OpenSegment, kind: 'partial' | 'final'): RecognisedSegment {
    return {
      segmentId: open.segmentId,
      kind,
      span: {
        runId: open.runId,
        startSample: open.startSample,
        endSample: open.endSample,
        sampleRate: open.sampleRate as 8000 | 16000,
        startAt: open.startAt,
        endAt: open.endAt,
      },
      text: '',
    };
  }
}

/** Mean energy of PCM16LE samples in dBFS, read straight from the bytes. */
export function levelDbfs(pcm: Uint8Array): number {
  const count = pcm.byteLength >> 1;
  if (count === 0) return SILENCE_DBFS;
  let sum = 0;
  for (let i = 0; i < count; i += 1) {
    const raw = pcm[2 * i] | (pcm[2 * i + 1] << 8);
    const sample = raw >= 0x8000 ? raw - 0x10000 : raw;
    sum += sample * sample;
  }
  const mean = sum / count;
  return mean === 0
    ? SILENCE_DBFS
    : Math.max(SILENCE_DBFS, 10 * Math.log10(mean / FULL_SCALE_SQUARED));
}

/** The default recogniser: speech activity, producer `speech-activity`. */
export const speechActivityRecognisers: RecogniserFactory = {
  producer: { name: 'speech-activity', version: '1' },
  note: 'speech activity only (an energy detector): segments tell when someone spoke, not what',
  forTrack: () => new SpeechActivityRecogniser(),
};
