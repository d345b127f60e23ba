/**
 * The subscriber of the media benchmark that takes every frame (audio.v1.*.*), in its own
 * process: the benchmark process keeps only the latency probes, so their delivery times are not
 * held up by the flood. Counts the frames of the calls (not the probes') and reports the count
 * when asked over IPC.
 */
import { connect } from 'nats';

let frames = 0;

async function main(): Promise<void> {
  const nc = await connect({ servers: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222' });
  nc.subscribe('audio.v1.*.*', {
    callback: (_error, message) => {
      if (!message.subject.startsWith('audio.v1.probe-')) frames += 1;
    },
  });
  await nc.flush();
  process.on('message', () => process.send?.({ count: frames }));
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

void main();
