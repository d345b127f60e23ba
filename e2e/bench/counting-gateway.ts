/**
 * The baseline of the media benchmark: answers media.v1.allocate like a media-gateway, but
 * its sockets only count packets; with AUDIOSOCKET_PORT it also takes AudioSocket connections
 * and only counts their audio messages. Run by the benchmark as a child process; it reports its
 * count when asked over IPC.
 */
import { randomUUID } from 'node:crypto';
import { createSocket, Socket } from 'node:dgram';
import { createServer } from 'node:net';
import { connect } from 'nats';
import {
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_GATEWAY_QUEUE,
  MEDIA_RELEASE_SUBJECT,
  mediaAllocateReplySchema,
  mediaAllocateRequestSchema,
  mediaReleaseReplySchema,
  mediaReleaseRequestSchema,
} from '@asb/contracts';
import { respondJson, subscribeJson } from '@asb/nats';
import { AUDIOSOCKET_KIND, AudioSocketReader } from '@asb/rtp';

const [portMin, portMax] = [Number(process.env['PORT_MIN']), Number(process.env['PORT_MAX'])];
const bootId = randomUUID();
let nextPort = portMin;
let packets = 0;
const sockets = new Map<string, Socket>();

async function main(): Promise<void> {
  const nc = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
  subscribeJson(nc, {
    subject: MEDIA_ALLOCATE_SUBJECT,
    queue: MEDIA_GATEWAY_QUEUE,
    schema: mediaAllocateRequestSchema,
    maxBytes: MEDIA_CONTROL_MAX_BYTES,
    onInvalid: () => undefined,
    handle: async (_request, message) => {
      const port = nextPort++;
      if (port > portMax) {
        respondJson(
          message,
          mediaAllocateReplySchema,
          { ok: false, error: 'full', retryable: false },
          MEDIA_CONTROL_MAX_BYTES,
        );
        return;
      }
      const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
      socket.on('message', () => {
        packets += 1;
      });
      await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
      const allocationId = `count-${port}`;
      sockets.set(allocationId, socket);
      respondJson(
        message,
        mediaAllocateReplySchema,
        { ok: true, gatewayId: 'counting', host: '127.0.0.1', port, allocationId, bootId },
        MEDIA_CONTROL_MAX_BYTES,
      );
    },
  });
  subscribeJson(nc, {
    subject: MEDIA_RELEASE_SUBJECT,
    schema: mediaReleaseRequestSchema,
    maxBytes: MEDIA_CONTROL_MAX_BYTES,
    onInvalid: () => undefined,
    handle: (request, message) => {
      const socket = sockets.get(request.allocationId);
      if (!socket) return;
      sockets.delete(request.allocationId);
      socket.close();
      respondJson(message, mediaReleaseReplySchema, { ok: true }, MEDIA_CONTROL_MAX_BYTES);
    },
  });
  await nc.flush();
  const audioSocketPort = process.env['AUDIOSOCKET_PORT'];
  if (audioSocketPort) {
    const server = createServer({ noDelay: true }, (connection) => {
      const reader = new AudioSocketReader();
      connection.on('data', (chunk: Buffer) =>
        reader.push(chunk, (kind) => {
          if (kind === AUDIOSOCKET_KIND.audio) packets += 1;
        }),
      );
      connection.on('error', () => undefined);
    });
    await new Promise<void>((resolve) =>
      server.listen(Number(audioSocketPort), '127.0.0.1', resolve),
    );
  }
  process.on('message', () => process.send?.({ count: packets }));
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

void main();
