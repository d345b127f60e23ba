/**
 * Child process of the dashboard load benchmark: N dashboards, each a socket.io client of the
 * live namespace as the React app is. For every call change and stream health update it
 * receives, it records how long after the event it arrived (the events carry their publish
 * time: occurredAt, sampledAt). Runs apart from the load generator so neither slows the other's
 * clock readings.
 */
import { io, Socket } from 'socket.io-client';
import { summarizeLatencies } from './latency-summary';

interface Start {
  type: 'start';
  url: string;
  token: string;
  count: number;
}

interface CallsMessage {
  started: Array<{ startedAt: string }>;
  answered: Array<{ answeredAt: string | null }>;
  ended: Array<{ endedAt: string }>;
}

interface HealthMessage {
  streams: Array<{ sampledAt: string | null }>;
}

let sockets: Socket[] = [];
let callDelays: number[] = [];
let healthDelays: number[] = [];
let snapshotCalls: number[] = [];

function record(into: number[], iso: string | null): void {
  if (iso) into.push(Date.now() - Date.parse(iso));
}

async function start({ url, token, count }: Start): Promise<void> {
  sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = io(url, { transports: ['websocket'], auth: { token }, forceNew: true });
          socket.once('snapshot', (message: { calls: unknown[] }) => {
            snapshotCalls.push(message.calls.length);
            resolve(socket);
          });
          socket.once('connect_error', reject);
          socket.on('calls', (message: CallsMessage) => {
            for (const call of message.started) record(callDelays, call.startedAt);
            for (const call of message.answered) record(callDelays, call.answeredAt);
            for (const ended of message.ended) record(callDelays, ended.endedAt);
          });
          socket.on('health', (message: HealthMessage) => {
            for (const stream of message.streams) record(healthDelays, stream.sampledAt);
          });
        }),
    ),
  );
}

process.on('message', (message: { type: string } & Partial<Start>) => {
  const send = (reply: object) => process.send?.(reply);
  if (message.type === 'start') {
    void start(message as Start).then(
      () => send({ type: 'started', snapshotCalls }),
      (error: Error) => send({ type: 'failed', error: error.message }),
    );
  } else if (message.type === 'reset') {
    callDelays = [];
    healthDelays = [];
    snapshotCalls = [];
    send({ type: 'reset' });
  } else if (message.type === 'collect') {
    send({
      type: 'collected',
      calls: summarizeLatencies(callDelays),
      health: summarizeLatencies(healthDelays),
    });
  } else if (message.type === 'stop') {
    sockets.forEach((socket) => socket.close());
    sockets = [];
    send({ type: 'stopped' });
  }
});
