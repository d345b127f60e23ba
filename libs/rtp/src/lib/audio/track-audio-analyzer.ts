import {
  ACTIVITY_SLOT_CODES,
  ACTIVITY_SLOT_MS,
  MAX_ACTIVITY_SLOTS,
  StreamAudio,
  SuspectFormat,
} from '@asb/contracts';

/**
 * What one track's decoded audio says about itself, measured frame by frame on the hot path:
 * whether someone speaks, whether it clips, and whether it looks like speech at all or like audio
 * in the wrong format. Everything here is a few multiply-adds per sample and allocates nothing.
 *
 * Features of one frame, after its mean (DC) is taken out:
 * - level: the RMS in dBFS, as audioLevelDbfs measures it;
 * - lag-1 correlation: near 1 for voiced speech and most other sound below a quarter of the rate,
 *   near 0 for white noise. Byte-swapped PCM and PCM decoded with the wrong G.711 law are loud
 *   broadband noise, so nearly every loud frame of them is below NOISE_LIKE_CORRELATION; real
 *   speech has a few such frames (fricatives), far from a majority;
 * - second-difference energy over energy: how much of the energy lies high in the band. 16 kHz
 *   speech keeps most of it below 4 kHz (about 0.1); 8 kHz audio played as 16 kHz doubles every
 *   frequency (about 0.7). Checked only for 16 kHz sources: at 8 kHz the whole band is speech;
 * - samples at the value silence takes when G.711 is decoded with the other law: u-law's silence
 *   codes read as a-law are ±848, a-law's read as u-law ±716 (about -32 dBFS). Such a stream
 *   never falls silent, and its pauses sit on that one value; in audio decoded right it is one
 *   level among hundreds (848 is no u-law level at all).
 */

/** Slots kept while no sample takes them; older ones are forgotten, oldest first. */
export const MAX_PENDING_SLOTS = MAX_ACTIVITY_SLOTS;
const {
  speech: SLOT_SPEECH,
  noSpeech: SLOT_NO_SPEECH,
  noAudio: SLOT_NO_AUDIO,
} = ACTIVITY_SLOT_CODES;

/** Frames quieter than this carry nothing: digital silence, a muted leg, a dead line. */
export const SIGNAL_FLOOR_DBFS = -60;
/** Speech is at least this loud, and at least SPEECH_ABOVE_NOISE_DB above the line's noise. */
export const SPEECH_FLOOR_DBFS = -48;
export const SPEECH_ABOVE_NOISE_DB = 10;
/** Frames this loud are evidence about the format. */
export const LOUD_DBFS = -40;
export const NOISE_LIKE_CORRELATION = 0.3;
export const BRIGHT_RATIO = 0.4;
/**
 * Silence of one G.711 law decoded with the other: u-law read as a-law, a-law read as u-law, and
 * the values those turn into when the damaged audio is encoded again in the other law (844 and
 * 720) before it reaches us.
 */
export const WRONG_LAW_SILENCE = [848, 716, 844, 720] as const;
/** Decoded G.711 peaks at 32124 (u-law) and 32256 (a-law): a sample this far out is clipped. */
export const CLIPPED_SAMPLE = 32000;

/**
 * Per 16-bit sample value (as an unsigned index): 1 if it is clipped, WRONG_LAW_FLAG if it is a
 * wrong-law silence value. A frame's flags add up to both counts at once (a frame has far fewer
 * than WRONG_LAW_FLAG samples).
 */
const WRONG_LAW_FLAG = 0x10000;
const SAMPLE_FLAGS = new Uint32Array(0x10000);
for (let value = -0x8000; value < 0x8000; value += 1) {
  const magnitude = Math.abs(value);
  if (magnitude >= CLIPPED_SAMPLE) SAMPLE_FLAGS[value & 0xffff] = 1;
  else if ((WRONG_LAW_SILENCE as readonly number[]).includes(magnitude)) {
    SAMPLE_FLAGS[value & 0xffff] = WRONG_LAW_FLAG;
  }
}

/** Seconds of frames the format and clipping findings look back over. */
export const FINDING_WINDOW_BLOCKS = 5;
const FRAMES_PER_BLOCK = 50;
/** Evidence a finding needs within the window before it is believed either way. */
const MIN_LOUD_FRAMES = 50;
const NOISE_LIKE_SHARE = 0.6;
const BRIGHT_SHARE = 0.5;
/** Share of all samples on a wrong-law silence value: pauses of a fifth of that length would do. */
const WRONG_LAW_SHARE = 0.05;
/** Share of the loud frames' samples that may clip before the track counts as clipping. */
const CLIPPED_SHARE = 0.005;

/** How the noise floor follows the line: down at once, up by this much per frame (1 dB/s). */
const NOISE_FLOOR_RISE_DB = 0.02;
const NOISE_FLOOR_MIN_DBFS = -70;

const FULL_SCALE_SQUARED = 32768 * 32768;

export interface TrackAudioFindings {
  suspectFormat: SuspectFormat | undefined;
  clipping: boolean;
}

/** One interval's speech activity: a slot per ACTIVITY_SLOT_MS from `from` (epoch ms). */
export interface SpeechActivity {
  from: number;
  slots: string;
}

// Slots of the window, as counts per block of FRAMES_PER_BLOCK frames.
const LOUD = 0;
const NOISE_LIKE = 1;
const BRIGHT = 2;
const SAMPLES = 3;
const WRONG_LAW = 4;
const LOUD_SAMPLES = 5;
const CLIPPED = 6;
const COUNTS = 7;

export class TrackAudioAnalyzer {
  /** Totals since the track started. */
  analysedMs = 0;
  signalMs = 0;
  speechMs = 0;
  clippedSamples = 0;
  private intervalSum = 0;
  private intervalSamples = 0;
  private noiseFloorDbfs = NOISE_FLOOR_MIN_DBFS;
  private readonly blocks = new Float64Array(FINDING_WINDOW_BLOCKS * COUNTS);
  private block = 0;
  private framesInBlock = 0;
  private readonly slots = new Uint8Array(MAX_PENDING_SLOTS);
  private pendingSlots = 0;
  /** Index (time / ACTIVITY_SLOT_MS) of the slot after the last pending one, and of the open one. */
  private nextSlot = 0;
  private openSlot = -1;
  private openFrames = 0;
  private openSpeechFrames = 0;

  /**
   * @param frameMs duration of each frame passed to analyse()
   * @param checkBandwidth whether the source claims 16 kHz audio, so that 8 kHz audio in it shows
   */
  constructor(
    private readonly frameMs: number,
    private readonly checkBandwidth: boolean,
  ) {}

  /**
   * Measures one frame of `count` samples from `offset`, captured at `capturedAt` (epoch ms).
   * Returns the frame's sum of squares, for the level the stream reports.
   */
  analyse(samples: Int16Array, offset: number, count: number, capturedAt: number): number {
    const end = offset + count;
    let previous = samples[offset];
    let beforePrevious = 0;
    let sum = previous;
    let sumOfSquares = previous * previous;
    let flags = SAMPLE_FLAGS[previous & 0xffff];
    let lagProducts = 0;
    let secondDifferences = 0;
    if (count > 1) {
      const sample = samples[offset + 1];
      sum += sample;
      sumOfSquares += sample * sample;
      flags += SAMPLE_FLAGS[sample & 0xffff];
      lagProducts += sample * previous;
      beforePrevious = previous;
      previous = sample;
    }
    // One table load per sample instead of five comparisons, and no branch in the loop.
    for (let i = offset + 2; i < end; i += 1) {
      const sample = samples[i];
      sum += sample;
      sumOfSquares += sample * sample;
      flags += SAMPLE_FLAGS[sample & 0xffff];
      lagProducts += sample * previous;
      const difference = sample - 2 * previous + beforePrevious;
      secondDifferences += difference * difference;
      beforePrevious = previous;
      previous = sample;
    }
    const clipped = flags % WRONG_LAW_FLAG;
    const wrongLaw = Math.floor(flags / WRONG_LAW_FLAG);
    this.intervalSum += sum;
    this.intervalSamples += count;
    this.analysedMs += this.frameMs;
    this.clippedSamples += clipped;

    const mean = sum / count;
    const energy = sumOfSquares / count - mean * mean;
    const level = energy > 0 ? 10 * Math.log10(energy / FULL_SCALE_SQUARED) : -Infinity;
    const speech =
      level >= SPEECH_FLOOR_DBFS && level >= this.noiseFloorDbfs + SPEECH_ABOVE_NOISE_DB;
    this.followNoiseFloor(level);
    if (level >= SIGNAL_FLOOR_DBFS) this.signalMs += this.frameMs;
    if (speech) this.speechMs += this.frameMs;

    const counts = this.block * COUNTS;
    this.blocks[counts + SAMPLES] += count;
    this.blocks[counts + WRONG_LAW] += wrongLaw;
    if (level >= LOUD_DBFS) {
      const correlation = (lagProducts / (count - 1) - mean * mean) / energy;
      this.blocks[counts + LOUD] += 1;
      if (correlation < NOISE_LIKE_CORRELATION) {
        // Noise clips by accident; only sound that may be speech counts towards clipping.
        this.blocks[counts + NOISE_LIKE] += 1;
      } else {
        this.blocks[counts + LOUD_SAMPLES] += count;
        this.blocks[counts + CLIPPED] += clipped;
        if (this.checkBandwidth && secondDifferences / (count - 2) / energy > BRIGHT_RATIO) {
          this.blocks[counts + BRIGHT] += 1;
        }
      }
    }
    this.framesInBlock += 1;
    if (this.framesInBlock === FRAMES_PER_BLOCK) this.nextBlock();

    this.countSlot(Math.floor(capturedAt / ACTIVITY_SLOT_MS), speech);
    return sumOfSquares;
  }

  /** What a stats sample reports; starts a new interval. `final`: the track ended. */
  sample(final = false): StreamAudio {
    const { suspectFormat, clipping } = this.findings();
    return {
      analysedMs: this.analysedMs,
      signalMs: this.signalMs,
      speechMs: this.speechMs,
      clippedSamples: this.clippedSamples,
      dcOffset: Math.round(this.takeDcOffset() * 10_000) / 10_000,
      activity: this.takeActivity(final),
      suspectFormat,
      clipping,
    };
  }

  /** Mean of the samples since the last call, as a share of full scale (-1 to 1). */
  takeDcOffset(): number {
    const offset = this.intervalSamples === 0 ? 0 : this.intervalSum / this.intervalSamples / 32768;
    this.intervalSum = 0;
    this.intervalSamples = 0;
    return offset;
  }

  /** The slots closed since the last call; `final` closes the open one too (the track ended). */
  takeActivity(final = false): SpeechActivity | undefined {
    if (final && this.openSlot >= 0) {
      this.closeOpenSlot();
      this.openSlot = -1;
    }
    if (this.pendingSlots === 0) return undefined;
    let slots = '';
    for (let i = 0; i < this.pendingSlots; i += 1) slots += String.fromCharCode(this.slots[i]);
    const activity = { from: (this.nextSlot - this.pendingSlots) * ACTIVITY_SLOT_MS, slots };
    this.pendingSlots = 0;
    return activity;
  }

  /** Findings over the last FINDING_WINDOW_BLOCKS seconds of frames. */
  findings(): TrackAudioFindings {
    let loud = 0;
    let noiseLike = 0;
    let bright = 0;
    let samples = 0;
    let wrongLaw = 0;
    let loudSamples = 0;
    let clipped = 0;
    for (let base = 0; base < this.blocks.length; base += COUNTS) {
      loud += this.blocks[base + LOUD];
      noiseLike += this.blocks[base + NOISE_LIKE];
      bright += this.blocks[base + BRIGHT];
      samples += this.blocks[base + SAMPLES];
      wrongLaw += this.blocks[base + WRONG_LAW];
      loudSamples += this.blocks[base + LOUD_SAMPLES];
      clipped += this.blocks[base + CLIPPED];
    }
    let suspectFormat: SuspectFormat | undefined;
    if (samples > 0 && wrongLaw >= samples * WRONG_LAW_SHARE) {
      suspectFormat = 'g711_law_mismatch';
    } else if (loud >= MIN_LOUD_FRAMES && noiseLike >= loud * NOISE_LIKE_SHARE) {
      suspectFormat = 'broadband_noise';
    } else if (loud >= MIN_LOUD_FRAMES && bright >= loud * BRIGHT_SHARE) {
      suspectFormat = 'too_bright';
    }
    // Audio that is not what it claims to be clips by accident; that is not worth a second alarm.
    // So clipping waits for as much evidence as the format check, or noise would be called
    // clipping before it is called noise.
    const clipping =
      !suspectFormat && loud >= MIN_LOUD_FRAMES && clipped >= loudSamples * CLIPPED_SHARE;
    return { suspectFormat, clipping };
  }

  private followNoiseFloor(level: number): void {
    const floor = Math.max(level, NOISE_FLOOR_MIN_DBFS);
    this.noiseFloorDbfs =
      floor < this.noiseFloorDbfs ? floor : this.noiseFloorDbfs + NOISE_FLOOR_RISE_DB;
  }

  private nextBlock(): void {
    this.framesInBlock = 0;
    this.block = (this.block + 1) % FINDING_WINDOW_BLOCKS;
    this.blocks.fill(0, this.block * COUNTS, this.block * COUNTS + COUNTS);
  }

  /**
   * Frames come in capture order; one captured earlier than the open slot (the sender restarted
   * its clock) counts in the open slot. Slots no frame reached are marked as heard nothing.
   */
  private countSlot(slot: number, speech: boolean): void {
    if (this.openSlot < 0) {
      if (this.pendingSlots === 0) this.nextSlot = slot;
      else this.pushGap(slot);
      this.openSlot = slot;
    } else if (slot > this.openSlot) {
      this.closeOpenSlot();
      this.pushGap(slot);
      this.openSlot = slot;
    }
    this.openFrames += 1;
    if (speech) this.openSpeechFrames += 1;
  }

  /** Marks the slots before `slot` that no frame reached; a gap longer than the buffer restarts it. */
  private pushGap(slot: number): void {
    if (slot - this.nextSlot >= MAX_PENDING_SLOTS) this.pendingSlots = 0;
    else while (this.nextSlot < slot) this.pushSlot(SLOT_NO_AUDIO);
    this.nextSlot = slot;
  }

  /** A slot is speech when at least two of its frames (40 ms) are. */
  private closeOpenSlot(): void {
    this.pushSlot(this.openSpeechFrames >= 2 ? SLOT_SPEECH : SLOT_NO_SPEECH);
    this.openFrames = 0;
    this.openSpeechFrames = 0;
  }

  private pushSlot(slot: string): void {
    if (this.pendingSlots === MAX_PENDING_SLOTS) {
      this.slots.copyWithin(0, 1);
      this.pendingSlots -= 1;
    }
    this.slots[this.pendingSlots] = slot.charCodeAt(0);
    this.pendingSlots += 1;
    this.nextSlot += 1;
  }
}
