import { connect, Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import {
  AUDIOSOCKET_HEADER_BYTES,
  AUDIOSOCKET_KIND,
  AudioSocketReader,
  encodeAudioSocketUuid,
} from '@asb/rtp';
import { AriError } from '../pbx/ari-error';
import type { AudioSocketPlane, ExternalMediaFormat } from '../pbx/asterisk-instance';
import type { FixtureLibrary } from './fixture-library';

/** chan_audiosocket's MAX_CONNECT_TIMEOUT_MSEC: how long it waits for the TCP handshake. */
const AUDIOSOCKET_CONNECT_TIMEOUT_MS = 2000;
/** What a Linux socket's send buffer holds before a non-blocking write fails (the default wmem). */
const AUDIOSOCKET_SEND_BUFFER_BYTES = 212_992;
const FRAME_MS = 20;
const TICK_MS = 10;
/** Frames a stream that fell behind (a busy event loop) sends at once, as Asterisk's frames queue up. */
const MAX_BURST = 10;

interface AudioSocketLink {
  readonly channelId: string;
  readonly socket: Socket;
  readonly format: ExternalMediaFormat;
  readonly hangup: (cause: number) => void;
  /** The peer closed or reset the connection; Asterisk 18 notices at its next write. */
  peerGone: boolean;
  ended: boolean;
  stream?: {
    loop: Buffer;
    position: number;
    startedAt: number;
    produced: number;
    frame: Buffer;
  };
}

/** Bytes of one 20 ms frame of the format, as Asterisk writes it to an AudioSocket. */
function frameBytes(format: ExternalMediaFormat): number {
  switch (format) {
    case 'slin16':
      return 640;
    case 'slin':
      return 320;
    default:
      return 160;
  }
}

/**
 * The AudioSocket side of the simulator, as Asterisk 18's chan_audiosocket behaves: it connects
 * out (in the ARI request, 2 s at most), sends the UUID message, then one 0x10 message per 20 ms
 * frame while the channel is bridged with audio (nothing while it is not, no keep-alive), in the
 * channel's format whatever it is (only slin is what the protocol says: ulaw goes out as 160
 * raw bytes tagged 0x10). It hangs up with cause 0 when the peer sends 0x00, and when a write
 * fails: the peer closed the connection (noticed at the next write) or stopped reading until the
 * socket's send buffer filled. Its own hangup closes the socket without a 0x00 message. Other
 * kinds from the peer are read and ignored.
 */
export class AudioSocketSender implements AudioSocketPlane {
  private readonly logger = new Logger(AudioSocketSender.name);
  private readonly links = new Map<string, AudioSocketLink>();
  private timer?: NodeJS.Timeout;
  /** Audio messages written since start, on every connection. */
  messagesSent = 0;

  constructor(private readonly fixtures: FixtureLibrary) {}

  connect(target: { host: string; port: number }): Promise<Socket> {
    const timeoutMs = AUDIOSOCKET_CONNECT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        this.logger.warn(
          `AudioSocket connection to '${target.host}:${target.port}' timedout after ${timeoutMs} milliseconds`,
        );
        reject(AriError.allocationFailed());
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        this.logger.warn(
          `Connecting to '${target.host}:${target.port}' failed for AudioSocket: ${error.message}`,
        );
        reject(AriError.allocationFailed());
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        // Until it is attached to a channel, a failure of the connection is nobody's concern.
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }

  attach(
    channelId: string,
    socket: Socket,
    tap: { uuid: string; format: ExternalMediaFormat },
    hangup: (cause: number) => void,
  ): void {
    const link: AudioSocketLink = {
      channelId,
      socket,
      format: tap.format,
      hangup,
      peerGone: socket.destroyed,
      ended: false,
    };
    this.listen(link);
    this.links.set(channelId, link);
    socket.write(encodeAudioSocketUuid(tap.uuid));
  }

  startStream(channelId: string, voices: string[]): void {
    const link = this.links.get(channelId);
    if (!link || link.stream) return;
    link.stream = {
      loop: this.fixtures.audioSocketLoop(voices, link.format),
      position: 0,
      startedAt: performance.now(),
      produced: 0,
      frame: Buffer.alloc(AUDIOSOCKET_HEADER_BYTES + frameBytes(link.format)),
    };
    link.stream.frame[0] = AUDIOSOCKET_KIND.audio;
    link.stream.frame.writeUInt16BE(frameBytes(link.format), 1);
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  stopStream(channelId: string): void {
    const link = this.links.get(channelId);
    if (link) link.stream = undefined;
  }

  /** Asterisk hangs the channel up: the socket is closed, no 0x00 is sent. */
  close(channelId: string): void {
    const link = this.links.get(channelId);
    if (!link) return;
    link.ended = true;
    this.links.delete(channelId);
    link.socket.destroy();
    if (this.links.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  closeAll(): void {
    for (const channelId of [...this.links.keys()]) this.close(channelId);
  }

  private listen(link: AudioSocketLink): void {
    const reader = new AudioSocketReader();
    link.socket.on('data', (chunk: Buffer) =>
      reader.push(chunk, (kind) => {
        if (kind === AUDIOSOCKET_KIND.hangup) this.end(link);
      }),
    );
    const gone = () => {
      link.peerGone = true;
    };
    link.socket.on('end', gone);
    link.socket.on('error', gone);
    link.socket.on('close', gone);
  }

  private tick(): void {
    const now = performance.now();
    for (const link of [...this.links.values()]) {
      const { stream } = link;
      if (!stream) continue;
      const due = Math.min(
        Math.floor((now - stream.startedAt) / FRAME_MS) + 1,
        stream.produced + MAX_BURST,
      );
      while (stream.produced < due && !link.ended) this.write(link, stream);
    }
  }

  private write(link: AudioSocketLink, stream: NonNullable<AudioSocketLink['stream']>): void {
    if (link.peerGone || link.socket.writableLength > AUDIOSOCKET_SEND_BUFFER_BYTES) {
      this.logger.warn(`Failed to write data to AudioSocket of ${link.channelId}`);
      this.end(link);
      return;
    }
    const { frame, loop } = stream;
    let written = AUDIOSOCKET_HEADER_BYTES;
    while (written < frame.length) {
      const chunk = Math.min(frame.length - written, loop.length - stream.position);
      loop.copy(frame, written, stream.position, stream.position + chunk);
      written += chunk;
      stream.position = (stream.position + chunk) % loop.length;
    }
    stream.produced += 1;
    this.messagesSent += 1;
    // The socket copies nothing until it flushes, so each write gets a buffer of its own.
    link.socket.write(Buffer.from(frame));
  }

  /** Connections sending audio now. */
  get activeStreams(): number {
    let sending = 0;
    for (const link of this.links.values()) if (link.stream) sending += 1;
    return sending;
  }

  /** The channel hangs up from the AudioSocket side: cause 0, as chan_audiosocket sets none. */
  private end(link: AudioSocketLink): void {
    if (link.ended) return;
    link.ended = true;
    link.hangup(0);
  }
}
