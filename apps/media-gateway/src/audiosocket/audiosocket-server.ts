import { createServer, Server, Socket } from 'node:net';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { MetricsRegistry } from '@asb/observability';
import { AUDIOSOCKET_KIND, AudioSocketReader, decodeAudioSocketUuid } from '@asb/rtp';
import { FrameDecoderFactory } from '../codecs/frame-decoder.factory';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { FramePublisher } from '../frames/frame-publisher';
import { RecentAudioService } from '../recent-audio/recent-audio.service';
import { plainAddress } from '../rtp/rtp-receiver';
import { StatsPublisher } from '../stats/stats-publisher';
import { AudioSocketReceiver } from './audiosocket-receiver';
import { AudioSocketTapLookup, TapLookupResult } from './audiosocket-tap-lookup';

/** Why a connection was closed before it carried a tap's audio; the `reason` label. */
export const AUDIOSOCKET_REFUSALS = [
  'no_uuid',
  'bad_uuid',
  'hello_timeout',
  'unknown_uuid',
  'invalid_entry',
  'registry_unavailable',
  'foreign_source',
  'replaced',
] as const;
type Refusal = (typeof AUDIOSOCKET_REFUSALS)[number];

/** Audio that arrives while the UUID is being looked up is kept, up to about 2 s of it. */
const MAX_WAITING_MESSAGES = 100;

interface Connection {
  readonly socket: Socket;
  uuid?: string;
  receiver?: AudioSocketReceiver;
  /** Audio that came before the lookup answered, copied (the reader's views are reused). */
  waiting?: Buffer[];
  helloTimer?: NodeJS.Timeout;
  done: boolean;
}

/**
 * Takes the AudioSocket connections Asterisk makes for externalMedia channels with
 * encapsulation=audiosocket, on GATEWAY_AUDIOSOCKET_PORT. The first message must name the tap
 * (kind 0x01, its UUID) within GATEWAY_AUDIOSOCKET_HELLO_TIMEOUT_MS; the UUID is looked up in the
 * taps ari-ingest registered, the connection must come from one of that server's addresses, and
 * from then on its audio becomes the track's frames and stats, exactly as over RTP. Anything else
 * is closed and counted, never a crash. A hangup (0x00) or a closed connection ends the stream:
 * Asterisk then hangs up the externalMedia channel, and ari-ingest taps the track again.
 */
@Injectable()
export class AudioSocketServer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AudioSocketServer.name);
  private server?: Server;
  private readonly connections = new Set<Connection>();
  /** The connection carrying each tap now: a new one for the same UUID replaces it. */
  private readonly byUuid = new Map<string, Connection>();
  private audioMessages = 0;
  private readonly refused;
  private readonly ignored;
  /** Resolves once the port is bound (at once when no port is configured). */
  listening: Promise<void> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: MediaGatewayConfig,
    private readonly lookup: AudioSocketTapLookup,
    private readonly decoders: FrameDecoderFactory,
    private readonly frames: FramePublisher,
    private readonly stats: StatsPublisher,
    private readonly recentAudio: RecentAudioService,
    metrics: MetricsRegistry,
  ) {
    this.refused = metrics.counter<'reason'>({
      name: 'media_gateway_audiosocket_refused_total',
      help: 'AudioSocket connections closed before they carried audio, or replaced, by reason',
      labelNames: ['reason'],
    });
    this.ignored = metrics.counter<'kind'>({
      name: 'media_gateway_audiosocket_messages_ignored_total',
      help: 'AudioSocket messages other than audio and hangup, or audio with an odd length',
      labelNames: ['kind'],
    });
    const received = () => this.audioMessages;
    metrics.counter({
      name: 'media_gateway_audiosocket_messages_received_total',
      help: 'AudioSocket audio messages received on connections that carry a tap, or wait to',
      collect() {
        this.reset();
        this.inc(received());
      },
    });
    const live = () => this.byUuid.size;
    metrics.gauge({
      name: 'media_gateway_audiosocket_streams',
      help: 'AudioSocket connections carrying a tap now',
      collect() {
        this.set(live());
      },
    });
  }

  /**
   * Binds the port before the application bootstraps: the gateway's first heartbeat, which
   * wakes the taps waiting for a gateway, must find it taking connections.
   */
  onModuleInit(): Promise<void> {
    const port = this.config.GATEWAY_AUDIOSOCKET_PORT;
    if (port === undefined) return this.listening;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    server.maxConnections = this.config.GATEWAY_AUDIOSOCKET_MAX_CONNECTIONS;
    this.server = server;
    this.listening = new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.GATEWAY_BIND_HOST, () => {
        server.removeListener('error', reject);
        server.on('error', (error) => this.logger.error(`AudioSocket server: ${error.message}`));
        this.logger.log(
          `taking AudioSocket connections on ${this.config.GATEWAY_BIND_HOST}:${port}`,
        );
        resolve();
      });
    });
    return this.listening;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const connection of [...this.connections]) this.end(connection);
    await closed;
  }

  private accept(socket: Socket): void {
    const connection: Connection = { socket, done: false };
    this.connections.add(connection);
    connection.helloTimer = setTimeout(
      () => this.refuse(connection, 'hello_timeout'),
      this.config.GATEWAY_AUDIOSOCKET_HELLO_TIMEOUT_MS,
    );
    const reader = new AudioSocketReader();
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk, (kind, payload) => {
        if (!connection.done) this.message(connection, kind, payload);
      });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.end(connection));
  }

  private message(connection: Connection, kind: number, payload: Buffer): void {
    if (connection.uuid === undefined) {
      this.hello(connection, kind, payload);
      return;
    }
    if (kind === AUDIOSOCKET_KIND.audio) {
      this.audioMessages += 1;
      // Still handed on: the stream's stats count it as rejected.
      if ((payload.length & 1) === 1) this.ignored.inc({ kind: 'odd_length_audio' });
      if (connection.receiver) {
        connection.receiver.audio(payload);
      } else if (connection.waiting && connection.waiting.length < MAX_WAITING_MESSAGES) {
        connection.waiting.push(Buffer.from(payload));
      }
      return;
    }
    if (kind === AUDIOSOCKET_KIND.hangup) {
      this.end(connection);
      return;
    }
    this.ignored.inc({
      kind: kind === AUDIOSOCKET_KIND.error ? 'error' : `0x${kind.toString(16)}`,
    });
  }

  private hello(connection: Connection, kind: number, payload: Buffer): void {
    clearTimeout(connection.helloTimer);
    if (kind !== AUDIOSOCKET_KIND.uuid) {
      this.refuse(connection, 'no_uuid');
      return;
    }
    const uuid = decodeAudioSocketUuid(payload);
    if (!uuid) {
      this.refuse(connection, 'bad_uuid');
      return;
    }
    connection.uuid = uuid;
    connection.waiting = [];
    this.lookup
      .find(uuid)
      .then((result) => this.attach(connection, uuid, result))
      .catch((error: unknown) => {
        this.logger.error(`AudioSocket ${uuid} could not be attached: ${(error as Error).stack}`);
        this.end(connection);
      });
  }

  /** The lookup answered: the connection carries the tap from now on, or is refused. */
  private attach(connection: Connection, uuid: string, result: TapLookupResult): void {
    if (connection.done) return;
    if ('missing' in result) {
      this.refuse(connection, result.missing);
      return;
    }
    const tap = result.found;
    const from = plainAddress(connection.socket.remoteAddress ?? '');
    if (tap.sources && !tap.sources.includes(from)) {
      this.refuse(connection, 'foreign_source');
      return;
    }
    const previous = this.byUuid.get(uuid);
    if (previous) {
      this.refused.inc({ reason: 'replaced' });
      this.end(previous);
    }
    const receiver = new AudioSocketReceiver(
      tap,
      this.decoders.createAudioSocket(tap.resampleTo16k ?? false),
      this.frames,
      this.config.GATEWAY_AUDIO_ANALYSIS,
      this.recentAudio,
    );
    connection.receiver = receiver;
    this.byUuid.set(uuid, connection);
    this.stats.add(receiver);
    this.logger.log(`AudioSocket ${uuid} from ${from} carries ${tap.callId}/${tap.track}`);
    for (const audio of connection.waiting ?? []) receiver.audio(audio);
    connection.waiting = undefined;
  }

  private refuse(connection: Connection, reason: Refusal): void {
    if (connection.done) return;
    this.refused.inc({ reason });
    this.logger.warn(
      `AudioSocket connection from ${connection.socket.remoteAddress ?? '?'}${connection.uuid ? ` (${connection.uuid})` : ''} closed: ${reason}`,
    );
    this.end(connection);
  }

  /** Closes the connection (no hangup message: Asterisk takes the close as one) and its stream. */
  private end(connection: Connection): void {
    if (connection.done) return;
    connection.done = true;
    clearTimeout(connection.helloTimer);
    this.connections.delete(connection);
    connection.socket.destroy();
    const { receiver, uuid } = connection;
    if (uuid !== undefined && this.byUuid.get(uuid) === connection) this.byUuid.delete(uuid);
    if (receiver) {
      receiver.close();
      this.stats.remove(receiver);
    }
  }
}
