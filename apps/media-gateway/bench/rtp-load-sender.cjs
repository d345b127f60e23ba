// The traffic of the media-gateway benchmark, in its own process so its CPU is not the
// gateway's: 20 ms u-law RTP packets to each port it is given, and a count of the audio frames
// that come back on NATS. The payloads are loud noise, so every frame takes the audio
// analysis's longest path (a loud frame is checked for its format).
const { createSocket } = require('node:dgram');
const { connect } = require('nats');

const PACKET_BYTES = 172;
const RING = 4;
let streams = [];
let timer;
let sent = 0;
let frames = 0;
let nc;

function openStream(port) {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.on('error', () => undefined);
    socket.bind(0, '127.0.0.1', () =>
      socket.connect(port, '127.0.0.1', () => {
        const ssrc = (Math.random() * 0xffffffff) >>> 0;
        const buffers = Array.from({ length: RING }, () => {
          const packet = Buffer.alloc(PACKET_BYTES);
          for (let i = 12; i < PACKET_BYTES; i += 1) packet[i] = (Math.random() * 256) | 0;
          packet[0] = 0x80;
          packet[1] = 0; // no marker, payload type 0 (u-law)
          packet.writeUInt32BE(ssrc, 8);
          return packet;
        });
        resolve({ socket, buffers, sequence: Math.floor(Math.random() * 65536), produced: 0 });
      }),
    );
  });
}

function sendDue(startedAt) {
  const due = Math.floor((performance.now() - startedAt) / 20) + 1;
  for (const stream of streams) {
    const limit = Math.min(due, stream.produced + 5);
    while (stream.produced < limit) {
      const packet = stream.buffers[stream.produced % RING];
      packet.writeUInt16BE((stream.sequence + stream.produced) & 0xffff, 2);
      packet.writeUInt32BE(((stream.produced + 1) * 160) >>> 0, 4);
      stream.socket.send(packet);
      stream.produced += 1;
      sent += 1;
    }
  }
}

process.on('message', async (message) => {
  if (message.type === 'start') {
    if (message.nats && !nc) {
      nc = await connect({ servers: message.nats });
      nc.subscribe('audio.v1.>', { callback: () => (frames += 1) });
      await nc.flush();
    }
    streams = await Promise.all(message.ports.map(openStream));
    const startedAt = performance.now();
    timer = setInterval(() => sendDue(startedAt), 10);
    process.send({ type: 'started' });
  } else if (message.type === 'count') {
    process.send({ type: 'count', sent, frames });
  } else if (message.type === 'stop') {
    clearInterval(timer);
    streams.forEach((stream) => stream.socket.close());
    streams = [];
    process.send({ type: 'stopped' });
  }
});
process.on('disconnect', async () => {
  await nc?.close();
  process.exit(0);
});
