import type { LiveAudioFrameMeta } from '@asb/contracts';
import { CallSchedule, pcm16ToFloat } from './jitter-schedule';

/**
 * Plays a call's relayed frames with Web Audio, each at its place by capture time (see
 * CallSchedule); the tracks mix at the destination (caller and agent together, as in the call).
 */
export class LiveListenPlayer {
  readonly context = new AudioContext({ latencyHint: 'interactive' });
  private readonly schedule = new CallSchedule();
  framesReceived = 0;
  framesPlayed = 0;

  push(meta: LiveAudioFrameMeta, pcm: ArrayBuffer): void {
    this.framesReceived += 1;
    const samples = pcm16ToFloat(pcm);
    if (samples.length === 0) return;
    const durationS = samples.length / meta.sampleRate;
    const startAt = this.schedule.place(meta, this.context.currentTime, durationS);
    if (startAt === undefined) return;
    const buffer = this.context.createBuffer(1, samples.length, meta.sampleRate);
    buffer.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.start(startAt);
    this.framesPlayed += 1;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
