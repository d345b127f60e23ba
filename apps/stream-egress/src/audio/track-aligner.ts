import { SampleFifo } from './sample-fifo';

export type AlignerSide = 0 | 1;

/**
 * Pairs two tracks of one call into one stream of chunks: interleaved stereo (left, right) or a
 * mono mix of both. The tracks come from two RTP streams with their own clocks and arrive
 * separately, so each side waits in a FIFO and a chunk goes out once both sides have one. A side
 * that is not tapped is silence; a side that stalls is waited for at most `holdChunks` chunks,
 * after which the other side goes out alone with silence beside it, so one lost stream never
 * holds the other back by more than that.
 *
 * Samples pushed with their place on the stream's timeline (from their capture time) are lined
 * up by it: a side whose audio starts later, or comes back after an outage or a re-tap, is
 * padded with silence up to its place, and audio a side already has (both taps of a re-tap
 * deliver it for a moment) is skipped, so the two sides never drift apart by more than a chunk.
 */
export class TrackAligner {
  private readonly fifos: [SampleFifo, SampleFifo];
  private readonly active: [boolean, boolean] = [true, true];
  private readonly scratch: Int16Array;
  private readonly mixScratch: Int16Array;
  /** Samples per side handed out so far. */
  private emitted = 0;
  /** Timeline place of output sample 0: the place of the first samples pushed with one. */
  private origin?: number;

  constructor(
    private readonly chunkSamples: number,
    private readonly holdChunks: number,
    private readonly mode: 'stereo' | 'mix',
  ) {
    const capacity = chunkSamples * (holdChunks + 50);
    this.fifos = [new SampleFifo(capacity), new SampleFifo(capacity)];
    this.scratch = new Int16Array(chunkSamples * 2);
    this.mixScratch = new Int16Array(chunkSamples * 2);
  }

  /** Whether a side's track is tapped now (one that is not is never waited for). */
  setActive(side: AlignerSide, active: boolean): void {
    this.active[side] = active;
  }

  /**
   * Adds samples of one side and emits every chunk that is complete. `place`: the timeline index
   * (at the output rate) of the first sample, where known.
   */
  push(
    side: AlignerSide,
    samples: Int16Array,
    count: number,
    emit: (pcm: Buffer) => void,
    place?: number,
  ): void {
    const fifo = this.fifos[side];
    let from = 0;
    if (place !== undefined) {
      this.origin ??= place;
      const drift = place - this.origin - (this.emitted + fifo.length);
      if (drift > this.chunkSamples) fifo.pushSilence(drift);
      else if (drift < -this.chunkSamples) from = Math.min(count, -drift);
    }
    fifo.push(from === 0 ? samples : samples.subarray(from), count - from);
    this.drain(emit);
  }

  private drain(emit: (pcm: Buffer) => void): void {
    const chunk = this.chunkSamples;
    const hold = chunk * this.holdChunks;
    const [left, right] = this.fifos;
    for (;;) {
      const l = left.length;
      const r = right.length;
      const bothReady = l >= chunk && r >= chunk;
      const leftAlone = l >= chunk && (!this.active[1] || l >= hold);
      const rightAlone = r >= chunk && (!this.active[0] || r >= hold);
      if (!bothReady && !leftAlone && !rightAlone) return;
      emit(this.chunk());
      this.emitted += chunk;
    }
  }

  private chunk(): Buffer {
    const chunk = this.chunkSamples;
    const [left, right] = this.fifos;
    if (this.mode === 'stereo') {
      const out = new Int16Array(chunk * 2);
      left.take(chunk, out, 0, 2);
      right.take(chunk, out, 1, 2);
      return Buffer.from(out.buffer);
    }
    left.take(chunk, this.scratch, 0, 1);
    right.take(chunk, this.mixScratch, 0, 1);
    const out = new Int16Array(chunk);
    for (let i = 0; i < chunk; i += 1) {
      const sum = this.scratch[i] + this.mixScratch[i];
      out[i] = sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum;
    }
    return Buffer.from(out.buffer);
  }
}
