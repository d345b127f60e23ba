// Counts UDP packets on one port and reports the count to its parent on request.
const { createSocket } = require('node:dgram');

const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
let count = 0;
socket.on('message', () => {
  count += 1;
});
socket.bind(0, '127.0.0.1', () => process.send({ port: socket.address().port }));
process.on('message', () => process.send({ count }));
process.on('disconnect', () => process.exit(0));
