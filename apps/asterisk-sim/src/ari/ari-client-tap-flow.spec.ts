import { createSocket, Socket } from 'node:dgram';
import { createRtpPacketView, parseRtpPacket, slinBeToPcm16Into } from '@asb/rtp';
import { VicidialCall } from '../calls/vicidial-call';
import { FixtureLibrary } from '../media/fixture-library';
import { RtpSender } from '../media/rtp-sender';
import { AsteriskInstance } from '../pbx/asterisk-instance';
import { freePort, eventually } from '@asb/testing';
import { AriServer } from './ari-server';

// ari-client has no types; this is the part of its surface the tap flow uses.

const ari = require('ari-client') as {
  connect(url: string, user: string, password: string): Promise<AriClient>;
};
/* eslint-disable @typescript-eslint/no-explicit-any -- ari-client's dynamic API */
type AriClient = {
  on(event: string, handler: (event: any, instance: any) => void): void;
  start(app: string | string[]): Promise<void>;
  stop(): void;
  channels: any;
  bridges: any;
  applications: any;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * The unmodified ari-client drives the whole tap flow against the simulator, the way the bridge
 * drives a real Asterisk, and a UDP listener checks the audio sample by sample.
 */
describe('ari-client tap flow against the simulator', () => {
  const fixtures = new FixtureLibrary();
  let pbx: AsteriskInstance;
  let rtp: RtpSender;
  let server: AriServer;
  let client: AriClient;
  let udp: Socket;
  const packets: Buffer[] = [];

  beforeAll(async () => {
    const portMin = await freePort();
    rtp = new RtpSender(fixtures, { bindAddress: '127.0.0.1', portMin, portMax: portMin + 50 });
    pbx = new AsteriskInstance('pbx1', rtp);
    server = new AriServer(pbx, {
      host: '127.0.0.1',
      port: 0,
      credentials: { user: 'asterisk', password: 'secret' },
      wsWriteTimeoutMs: 100,
      sessionLimit: 100,
      keepAliveMs: 15_000,
    });
    await server.start();
    udp = createSocket('udp4');
    udp.on('message', (packet) => packets.push(packet));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const logged = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    client = await ari.connect(`http://127.0.0.1:${server.port}`, 'asterisk', 'secret');
    logged.mockRestore();
  });

  afterAll(async () => {
    client.stop();
    udp.close();
    rtp.close();
    await server.stop();
  });

  it('subscribes, taps an answered VICIdial call, receives its audio, and cleans up after the hangup', async () => {
    const seen: string[] = [];
    const inStasis = new Set<string>();
    let answered: { id: string; name: string } | undefined;
    client.on('ChannelStateChange', (_event, channel) => {
      if (channel.state === 'Up' && channel.name.startsWith('SIP/'))
        answered ??= { id: channel.id, name: channel.name };
    });
    client.on('StasisStart', (_event, channel) => inStasis.add(channel.id));
    client.on('StasisEnd', (_event, channel) =>
      seen.push(`StasisEnd ${channel.name.split('/')[0]}`),
    );
    client.on('ChannelDestroyed', (event) =>
      seen.push(`ChannelDestroyed ${event.channel.name.split('/')[0]} ${event.cause}`),
    );
    await client.start('bridge');
    await client.applications.subscribe({
      applicationName: 'bridge',
      eventSource: 'channel:,bridge:',
    });
    await client.applications.filter({
      applicationName: 'bridge',
      filter: {
        allowed: [
          'ChannelStateChange',
          'ChannelDestroyed',
          'StasisStart',
          'StasisEnd',
          'ChannelLeftBridge',
        ].map((type) => ({ type })),
      },
    });

    const call = new VicidialCall(pbx, {
      type: 'outbound',
      number: '3125551234',
      leadId: 42,
      campaign: 'SALES',
      agent: { user: '1001', phone: 'SIP/1001', room: '9600051', campaign: 'SALES' },
      disposition: 'SALE',
      dispositionDelayMs: 0,
      answered: true,
      ringMs: 20,
      talkMs: 1500,
      hangupBy: 'customer',
      cause: 16,
      codeLayout: 'legacy',
      callCodeDelayMs: 0,
    });
    const running = call.run();
    await eventually(() => answered !== undefined);
    const callId = answered?.id ?? '';

    const snoop = await client.channels.snoopChannel({
      channelId: callId,
      spy: 'in',
      app: 'bridge',
      snoopId: 'asb-snoop-1',
    });
    const em = await client.channels.externalMedia({
      app: 'bridge',
      external_host: `127.0.0.1:${udp.address().port}`,
      format: 'slin16',
      channelId: 'asb-em-1',
    });
    expect(snoop.name).toMatch(new RegExp(`^Snoop/${callId.replace('.', '\\.')}-`));
    expect(em.channelvars.UNICASTRTP_LOCAL_ADDRESS).toBe('127.0.0.1');
    await eventually(() => inStasis.has('asb-snoop-1') && inStasis.has('asb-em-1'));
    const bridge = await client.bridges.create({ type: 'mixing', bridgeId: 'asb-bridge-1' });
    await bridge.addChannel({ channel: ['asb-snoop-1', 'asb-em-1'] });

    await eventually(() => packets.length >= 25);
    const v = createRtpPacketView();
    const received = new Int16Array(packets.length * 320);
    packets.forEach((packet, i) => {
      expect(parseRtpPacket(packet, v)).toBeNull();
      slinBeToPcm16Into(
        packet.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength),
        received,
        i * 320,
      );
    });
    const expected = fixtures.samples('caller', 16000).subarray(0, received.length);
    expect(Array.from(received.subarray(0, expected.length))).toEqual(Array.from(expected));

    await running;
    await eventually(() => seen.includes('StasisEnd Snoop'));
    expect(seen.indexOf('ChannelDestroyed SIP 16')).toBeLessThan(seen.indexOf('StasisEnd Snoop'));
    // The externalMedia channel and the bridge outlive the call until the app deletes them.
    expect((await client.channels.list()).map((c: { id: string }) => c.id)).toEqual(['asb-em-1']);
    expect((await client.bridges.list()).map((b: { id: string }) => b.id)).toEqual([
      'asb-bridge-1',
    ]);
    await client.channels.hangup({ channelId: 'asb-em-1' });
    await client.bridges.destroy({ bridgeId: 'asb-bridge-1' });
    expect(await client.channels.list()).toEqual([]);
    expect(await client.bridges.list()).toEqual([]);
    await expect(client.channels.get({ channelId: 'asb-em-1' })).rejects.toThrow(
      /Channel not found/,
    );
  });
});
