import { randomBytes } from 'node:crypto';
import { createSocket, Socket } from 'node:dgram';
import type { AudioTrack } from '@asb/contracts';
import {
  ASTERISK_RTP_FORMATS,
  AsteriskRtpFormat,
  audioLevelDbfs,
  createRtpPacketView,
  decodeAlawInto,
  decodeUlawInto,
  parseRtpPacket,
  SILENCE_DBFS,
  slinBeToPcm16Into,
} from '@asb/rtp';
import type { AriServerConfig } from '../config/ari-ingest.config';
import { AriEventStream } from '../ari/ari-event-stream';
import { AriRequestFailed } from '../ari/ari-request-failed.error';
import type { AriRestClient } from '../ari/ari-rest.client';

/** What the doctor heard on one track of the call it listened to. */
export interface TrackHeard {
  track: AudioTrack;
  packets: number;
  /** Packets Asterisk sends in that time: one every 20 ms. */
  expected: number;
  /** Packets whose payload type or size is not the format asked for. */
  wrongFormat: number;
  /** Payload type and size of the first packet, as received. */
  firstPayloadType?: number;
  firstPayloadBytes?: number;
  /** Mean level over every packet of the format asked for. */
  levelDbfs: number;
}

export interface ListenOptions {
  rest: AriRestClient;
  server: AriServerConfig;
  user: string;
  password: string;
  /** The customer's channel. */
  channelId: string;
  /** An application of the doctor's own: a running ari-ingest never takes its channels for its own. */
  app: string;
  format: AsteriskRtpFormat;
  /** Where Asterisk sends the RTP: an address of this machine it can reach. */
  host: string;
  seconds: number;
}

type ListenedTrack = Exclude<AudioTrack, 'mixed'>;
const SPY: Record<ListenedTrack, 'in' | 'out'> = { caller: 'in', agent: 'out' };
const STASIS_WAIT_MS = 5000;

const DECODE: Record<AsteriskRtpFormat, (payload: Buffer, out: Int16Array) => void> = {
  ulaw: (payload, out) => decodeUlawInto(payload, out, 0),
  alaw: (payload, out) => decodeAlawInto(payload, out, 0),
  slin: (payload, out) => slinBeToPcm16Into(payload, out, 0),
  slin16: (payload, out) => slinBeToPcm16Into(payload, out, 0),
};

/** Counts and measures the RTP arriving on one socket. */
class TrackEar {
  readonly heard: TrackHeard;
  private readonly view = createRtpPacketView();
  private readonly pcm: Int16Array;
  private powerSum = 0;

  constructor(
    track: AudioTrack,
    private readonly format: AsteriskRtpFormat,
    readonly socket: Socket,
  ) {
    this.heard = { track, packets: 0, expected: 0, wrongFormat: 0, levelDbfs: SILENCE_DBFS };
    this.pcm = new Int16Array(ASTERISK_RTP_FORMATS[format].samplesPerPacket);
    socket.on('message', (packet) => this.hear(packet));
  }

  private hear(packet: Buffer): void {
    if (parseRtpPacket(packet, this.view) !== null) {
      this.heard.wrongFormat += 1;
      return;
    }
    const { payloadType, payloadOffset, payloadLength } = this.view;
    this.heard.packets += 1;
    this.heard.firstPayloadType ??= payloadType;
    this.heard.firstPayloadBytes ??= payloadLength;
    const profile = ASTERISK_RTP_FORMATS[this.format];
    if (payloadType !== profile.payloadType || payloadLength !== profile.payloadBytes) {
      this.heard.wrongFormat += 1;
      return;
    }
    DECODE[this.format](packet.subarray(payloadOffset, payloadOffset + payloadLength), this.pcm);
    this.powerSum += 10 ** (audioLevelDbfs(this.pcm, 0, this.pcm.length) / 10);
  }

  finish(seconds: number): TrackHeard {
    const good = this.heard.packets - this.heard.wrongFormat;
    this.heard.expected = Math.round(seconds * 50);
    this.heard.levelDbfs =
      good > 0 ? Math.max(SILENCE_DBFS, 10 * Math.log10(this.powerSum / good)) : SILENCE_DBFS;
    return this.heard;
  }
}

function bindSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, () => resolve(socket));
  });
}

/** The address of this machine that faces `url`'s host: where that host can send us RTP. */
export function localAddressFacing(url: string): Promise<string> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.connect(Number(target.port || 80), target.hostname, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}

/**
 * Listens to both tracks of one call for a few seconds, the way the bridge taps it (a snoop per
 * direction, an externalMedia channel sending RTP here, a bridge between them), and takes it all
 * down again. Snooping is passive: the call's parties hear nothing. Throws when the tap cannot be
 * set up; what was created is removed in every case, and `left` names what is still on the PBX
 * after the removal (nothing, when all is well).
 */
export async function listenToCall(
  options: ListenOptions,
): Promise<{ tracks: TrackHeard[]; left: string[] }> {
  const { rest, format, seconds } = options;
  const tag = randomBytes(4).toString('hex');
  const tracks: ListenedTrack[] = ['caller', 'agent'];
  const ids = tracks.map((track) => ({
    track,
    snoop: `doctor-${tag}-s-${track}`,
    externalMedia: `doctor-${tag}-e-${track}`,
    bridge: `doctor-${tag}-b-${track}`,
  }));
  const inStasis = new Set<string>();
  let stasisWaiter: (() => void) | undefined;
  const events = new AriEventStream(
    {
      url: options.server.url,
      app: options.app,
      user: options.user,
      password: options.password,
      reconnectMaxMs: 1000,
    },
    {
      onOpen: () => stasisWaiter?.(),
      onClose: () => undefined,
      onConnectFailed: () => undefined,
      onInvalid: () => undefined,
      onEvent: (event) => {
        if (event.type === 'StasisStart' && event.channel) {
          inStasis.add(event.channel.id);
          stasisWaiter?.();
        }
      },
    },
  );
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + STASIS_WAIT_MS;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what} within ${STASIS_WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        stasisWaiter = resolve;
        setTimeout(resolve, 100);
      });
    }
  };
  const ears: TrackEar[] = [];
  try {
    events.start();
    await until(() => events.connected, 'no events WebSocket for the doctor');
    for (const id of ids) {
      const ear = new TrackEar(id.track, format, await bindSocket());
      ears.push(ear);
      await Promise.all([
        rest.snoop({
          channelId: options.channelId,
          spy: SPY[id.track],
          app: options.app,
          snoopId: id.snoop,
          appArgs: 'doctor',
        }),
        rest.externalMedia({
          app: options.app,
          channelId: id.externalMedia,
          externalHost: `${options.host}:${ear.socket.address().port}`,
          format,
        }),
        rest.createBridge(id.bridge, `doctor ${id.track}`),
      ]);
    }
    const ours = ids.flatMap((id) => [id.snoop, id.externalMedia]);
    await until(() => ours.every((id) => inStasis.has(id)), 'the tap never entered Stasis');
    await Promise.all(ids.map((id) => rest.addChannels(id.bridge, [id.snoop, id.externalMedia])));
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return { tracks: ears.map((ear) => ear.finish(seconds)), left: await takeDown(rest, ids) };
  } catch (error) {
    await takeDown(rest, ids).catch(() => undefined);
    throw error;
  } finally {
    events.stop();
    for (const ear of ears) ear.socket.close();
  }
}

/** Removes the doctor's channels and bridges; returns those still on the PBX afterwards. */
async function takeDown(
  rest: AriRestClient,
  ids: Array<{ snoop: string; externalMedia: string; bridge: string }>,
): Promise<string[]> {
  const ignoreGone = (error: unknown) => {
    if (!(error instanceof AriRequestFailed && error.notFound)) throw error;
  };
  await Promise.allSettled(
    ids.flatMap((id) => [
      rest.hangup(id.snoop).catch(ignoreGone),
      rest.hangup(id.externalMedia).catch(ignoreGone),
      rest.destroyBridge(id.bridge).catch(ignoreGone),
    ]),
  );
  const mine = new Set(ids.flatMap((id) => [id.snoop, id.externalMedia, id.bridge]));
  const [channels, bridges] = await Promise.all([rest.listChannels(), rest.listBridges()]);
  return [...channels, ...bridges].map((item) => item.id).filter((id) => mine.has(id));
}
