import type { AudioFrame, AudioTrack } from '@asb/contracts';

/** Something that takes a call's audio frames as they arrive. */
export interface FrameSink {
  /** `frame.pcm` is a view on the NATS message: copy what must outlive the call. */
  onFrame(track: AudioTrack, frame: AudioFrame, receivedAt: number): void;
}
