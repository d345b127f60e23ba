import { parentPort, workerData } from 'node:worker_threads';
import { AriError } from '../pbx/ari-error';
import { FixtureLibrary } from './fixture-library';
import { RtpSender } from './rtp-sender';
import type { RtpShardCommand, RtpShardData, RtpShardReply } from './rtp-shard-protocol';

// One shard of ShardedRtpSender: an RtpSender with its own sockets, timer and event loop.
const port = parentPort;
if (!port) throw new Error('rtp-sender.worker runs only as a worker thread of the simulator');
const { fixturesDir, options } = workerData as RtpShardData;
const sender = new RtpSender(new FixtureLibrary(fixturesDir), options);
const reply = (message: RtpShardReply) => port.postMessage(message);

port.on('message', (command: RtpShardCommand) => {
  switch (command.type) {
    case 'allocate':
      sender.allocateLocalPort().then(
        (value) => reply({ id: command.id, ok: true, value }),
        (error: Error) =>
          reply({
            id: command.id,
            ok: false,
            status: error instanceof AriError ? error.status : 500,
            message: error.message,
          }),
      );
      return;
    case 'reports':
      reply({ id: command.id, ok: true, value: sender.reports() });
      return;
    case 'close':
      sender.close();
      reply({ id: command.id, ok: true, value: null });
      port.close();
      return;
    case 'release':
      sender.releaseLocalPort(command.port);
      return;
    case 'start':
      sender.startStream(command.channelId, command.endpoint, command.voices);
      return;
    case 'stop':
      sender.stopStream(command.channelId);
      return;
    case 'faults':
      sender.faults = command.faults;
      return;
  }
});
