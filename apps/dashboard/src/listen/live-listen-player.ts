import type { LiveAudioFrameMeta } from '@asb/contracts';
import { pcm16ToFloat, scheduleFrame } from './jitter-schedule';

/**
 * Plays a call's relayed frames with Web Audio: each track has its own schedule, and the
 * tracks mix at the destination (caller and agent together, as in the call).
 */
export class LiveListenPlayer {
  readonly context = new AudioContext({ latencyHint: 'interactive' });
  private readonly cursors = new Map<string, number>();
  framesReceived = 0;
  framesPlayed = 0;

  push(meta: LiveAudioFrameMeta, pcm: ArrayBuffer): void {
    this.framesReceived += 1;
    const samples = pcm16ToFloat(pcm);
    if (samples.length === 0) return;
    const durationS = samples.length / meta.sampleRate;
    const decision = scheduleFrame(
      this.cursors.get(meta.track) ?? 0,
      this.context.currentTime,
      durationS,
    );
    this.cursors.set(meta.track, decision.nextCursor);
    if (decision.startAt === undefined) return;
    const buffer = this.context.createBuffer(1, samples.length, meta.sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.start(decision.startAt);
    this.framesPlayed += 1;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
