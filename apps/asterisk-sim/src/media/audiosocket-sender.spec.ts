import { randomUUID } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import {
  AUDIOSOCKET_KIND,
  AudioSocketReader,
  decodeAudioSocketUuid,
  encodeAudioSocketMessage,
} from '@asb/rtp';
import { eventually } from '@asb/testing';
import { AriError } from '../pbx/ari-error';
import { AsteriskInstance, MediaPlane } from '../pbx/asterisk-instance';
import { AudioSocketSender } from './audiosocket-sender';
import { FixtureLibrary } from './fixture-library';

type Event = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- ARI event JSON

/** What one connection to the peer brought: its messages in order, and whether it closed. */
interface PeerConnection {
  socket: Socket;
  messages: Array<{ kind: number; payload: Buffer }>;
  closed: boolean;
}

/** An AudioSocket server as the bridge runs one: it records what Asterisk sends. */
async function peer(): Promise<{ server: Server; port: number; connections: PeerConnection[] }> {
  const connections: PeerConnection[] = [];
  const server = createServer((socket) => {
    const connection: PeerConnection = { socket, messages: [], closed: false };
    connections.push(connection);
    const reader = new AudioSocketReader();
    socket.on('data', (chunk) =>
      reader.push(chunk, (kind, payload) =>
        connection.messages.push({ kind, payload: Buffer.from(payload) }),
      ),
    );
    socket.on('close', () => {
      connection.closed = true;
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections };
}

const NO_RTP: MediaPlane = {
  allocateLocalPort: async () => ({ address: '127.0.0.1', port: 1 }),
  releaseLocalPort: () => undefined,
  startStream: () => undefined,
  stopStream: () => undefined,
};

async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('externalMedia over AudioSocket, as Asterisk 18 does it', () => {
  const fixtures = new FixtureLibrary();
  let sender: AudioSocketSender;
  let pbx: AsteriskInstance;
  let events: Event[];
  let remote: Awaited<ReturnType<typeof peer>>;

  beforeEach(async () => {
    sender = new AudioSocketSender(fixtures);
    pbx = new AsteriskInstance('pbx1', NO_RTP, undefined, sender);
    events = [];
    pbx
      .connectApp('bridge', false)
      .connections.add({ send: (json) => events.push(JSON.parse(json)), close: () => undefined });
    remote = await peer();
  });

  afterEach(async () => {
    sender.closeAll();
    for (const connection of remote.connections) connection.socket.destroy();
    await new Promise((resolve) => remote.server.close(resolve));
  });

  /** A call with audio both ways, and a tap of its caller side over AudioSocket. */
  async function tap(format = 'slin', uuid = randomUUID()) {
    const call = pbx.createCallChannel({
      name: 'SIP/carrier-0000001a',
      state: 'Up',
      voices: { in: 'caller', out: 'agent' },
    });
    const snoop = pbx.snoop(call.id, { spy: 'in', app: 'bridge', snoopId: 'asb-s-1' });
    const em = await pbx.externalMedia({
      app: 'bridge',
      external_host: `127.0.0.1:${remote.port}`,
      format,
      encapsulation: 'audiosocket',
      transport: 'tcp',
      channelId: 'asb-e-1',
      data: uuid,
    });
    // Both enter Stasis just after their replies.
    await new Promise((resolve) => setImmediate(resolve));
    const bridge = pbx.createBridge({ type: 'mixing', bridgeId: 'asb-b-1' });
    pbx.addChannels(bridge.id, [snoop.id, em.id]);
    return { call, em, uuid };
  }

  it('connects within the request, sends the UUID, then 20 ms of slin (little-endian) per message', async () => {
    const { em, uuid } = await tap();
    expect(em.toJSON()).toMatchObject({
      name: `AudioSocket/127.0.0.1:${remote.port}-${uuid}`,
      state: 'Up',
      channelvars: { AUDIOSOCKET_UUID: uuid, AUDIOSOCKET_SERVICE: `127.0.0.1:${remote.port}` },
    });
    expect(em.toJSON().channelvars).not.toHaveProperty('UNICASTRTP_LOCAL_PORT');
    expect(events.find((e) => e.type === 'StasisStart' && e.channel.id === em.id)?.args).toEqual([
      uuid,
    ]);
    const [connection] = remote.connections;
    await eventually(async () => connection.messages.length > 10, 5000, 'audio messages');
    const [first, ...audio] = connection.messages;
    expect(first.kind).toBe(AUDIOSOCKET_KIND.uuid);
    expect(decodeAudioSocketUuid(first.payload)).toBe(uuid);
    expect(audio.every((m) => m.kind === AUDIOSOCKET_KIND.audio && m.payload.length === 320)).toBe(
      true,
    );
    const caller = fixtures.samples('caller', 8000);
    const heard = Buffer.concat(audio.map((m) => m.payload));
    const samples = Array.from({ length: heard.length / 2 }, (_, i) => heard.readInt16LE(i * 2));
    expect(samples).toEqual(Array.from(caller.subarray(0, samples.length)));
    expect(sender.activeStreams).toBe(1);
    // What it counts as sent was written: the peer has it, or it is on its way.
    expect(sender.messagesSent).toBeGreaterThanOrEqual(audio.length);
    pbx.hangup(em.id);
    expect(sender.activeStreams).toBe(0);
  });

  it("sends another format's own bytes tagged as audio (ulaw: 160 bytes), as 18 does", async () => {
    await tap('ulaw');
    const [connection] = remote.connections;
    await eventually(async () => connection.messages.length > 3, 5000, 'audio messages');
    expect(connection.messages[1]).toMatchObject({ kind: AUDIOSOCKET_KIND.audio });
    expect(connection.messages[1].payload.length).toBe(160);
  });

  it('sends nothing while the channel is not bridged with audio', async () => {
    const idle = await pbx.externalMedia({
      app: 'bridge',
      external_host: `127.0.0.1:${remote.port}`,
      format: 'slin',
      encapsulation: 'AudioSocket',
      transport: 'TCP',
      data: randomUUID(),
    });
    expect(idle.state).toBe('Up');
    const { uuid } = await tap();
    await eventually(
      async () => remote.connections.filter((c) => c.messages.length > 0).length === 2,
      5000,
      'both connections and their UUIDs',
    );
    const uuidOf = (c: PeerConnection) => decodeAudioSocketUuid(c.messages[0].payload);
    const tapped = remote.connections.find((c) => uuidOf(c) === uuid) as PeerConnection;
    const unbridged = remote.connections.find((c) => c !== tapped) as PeerConnection;
    await eventually(async () => tapped.messages.length > 10, 5000, 'audio on the tap');
    expect(unbridged.messages.map((m) => m.kind)).toEqual([AUDIOSOCKET_KIND.uuid]);
  });

  it('answers bad requests as Asterisk 18 does, and creates nothing for them', async () => {
    const request = (overrides: Record<string, string | undefined>) =>
      pbx
        .externalMedia({
          app: 'bridge',
          external_host: `127.0.0.1:${remote.port}`,
          format: 'slin',
          encapsulation: 'audiosocket',
          transport: 'tcp',
          data: randomUUID(),
          ...overrides,
        })
        .then(
          () => 'created',
          (error: AriError) => `${error.status} ${error.field}: ${error.message}`,
        );
    expect(await request({ data: undefined })).toBe('400 message: data can not be empty');
    expect(await request({ data: 'pbx1-12-caller' })).toBe('500 error: Allocation failed');
    expect(await request({ external_host: `127.0.0.1:${await refusedPort()}` })).toBe(
      '500 error: Allocation failed',
    );
    expect(await request({ transport: 'udp' })).toBe(
      '501 message: The encapsulation and/or transport is not supported',
    );
    expect(await request({ format: 'opus8' })).toBe(
      '400 message: Provided format (opus8) was not found',
    );
    expect(pbx.channels.size).toBe(0);
    // Only the request with a good UUID and a listening peer got as far as a connection: none.
    expect(remote.connections).toEqual([]);
  });

  it("refuses a channel id in use after connecting, as Asterisk does, and leaves the other channel's connection alone", async () => {
    const { em } = await tap();
    await eventually(async () => remote.connections.length === 1, 5000, 'connection');
    const [first] = remote.connections;
    const refused = await pbx
      .externalMedia({
        app: 'bridge',
        external_host: `127.0.0.1:${remote.port}`,
        format: 'slin',
        encapsulation: 'audiosocket',
        transport: 'tcp',
        channelId: em.id,
        data: randomUUID(),
      })
      .catch((error: AriError) => error.status);
    expect(refused).toBe(500);
    await eventually(async () => remote.connections[1]?.closed === true, 5000, 'the second closed');
    expect(remote.connections[1].messages).toEqual([]);
    const before = first.messages.length;
    await eventually(async () => first.messages.length > before + 5, 5000, 'audio goes on');
    expect(first.closed).toBe(false);
  });

  it('hangs up with cause 0 when the peer sends a hangup message', async () => {
    const { em } = await tap();
    await eventually(async () => remote.connections.length === 1, 5000, 'connection');
    remote.connections[0].socket.write(
      encodeAudioSocketMessage(AUDIOSOCKET_KIND.hangup, Buffer.alloc(0)),
    );
    await eventually(async () => !pbx.channels.has(em.id), 5000, 'the channel hung up');
    expect(
      events.find((e) => e.type === 'ChannelDestroyed' && e.channel.id === em.id),
    ).toMatchObject({
      cause: 0,
    });
  });

  it('ignores other kinds from the peer, and hangs up at its next write once the peer closed', async () => {
    const { em } = await tap();
    await eventually(async () => remote.connections.length === 1, 5000, 'connection');
    const [connection] = remote.connections;
    connection.socket.write(encodeAudioSocketMessage(AUDIOSOCKET_KIND.error, Buffer.from([1])));
    connection.socket.write(encodeAudioSocketMessage(AUDIOSOCKET_KIND.dtmf, Buffer.from('7')));
    const audioBefore = connection.messages.length;
    await eventually(async () => connection.messages.length > audioBefore + 5, 5000, 'more audio');
    expect(pbx.channels.has(em.id)).toBe(true);
    connection.socket.end();
    await eventually(async () => !pbx.channels.has(em.id), 5000, 'the channel hung up');
  });

  it('closes the connection without a hangup message when the channel is hung up', async () => {
    const { em } = await tap();
    await eventually(async () => remote.connections.length === 1, 5000, 'connection');
    const [connection] = remote.connections;
    pbx.hangup(em.id);
    await eventually(async () => connection.closed, 5000, 'the connection closed');
    expect(connection.messages.some((m) => m.kind === AUDIOSOCKET_KIND.hangup)).toBe(false);
  });
});
