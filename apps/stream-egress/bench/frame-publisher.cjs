// The audio of the stream-egress benchmark, in its own process so its CPU is not the service's:
// 20 ms PCM16LE frames with the contract's headers on audio.v1.<callId>.<track> for every call,
// as media-gateways publish them, spread over ten 2 ms phases so not every stream publishes in
// the same instant. Each frame carries its send time (bench-timecode.cjs).
const { connect, MsgHdrsImpl } = require('nats');
const { stamp } = require('./bench-timecode.cjs');

const PHASES = 10;
let nc;
let timer;
let streams = [];
let published = 0;
let cpuMark = process.cpuUsage();
let timeMark = performance.now();

function tone(index) {
  const pcm = Buffer.alloc(320);
  for (let i = 4; i < 160; i += 1) {
    pcm.writeInt16LE(
      Math.round(6000 * Math.sin((2 * Math.PI * (300 + (index % 7) * 40) * i) / 8000)),
      2 * i,
    );
  }
  return pcm;
}

function publish(stream) {
  const pcm = Buffer.from(stream.pcm);
  stamp(pcm);
  nc.publish(stream.subject, pcm, {
    headers: MsgHdrsImpl.fromRecord({
      'Audio-Sequence': [String(stream.sequence)],
      'Audio-Timestamp': [String(stream.sequence * 160)],
      'Audio-Sample-Rate': ['8000'],
      'Audio-Codec': ['ulaw'],
      'Audio-Frame-Ms': ['20'],
    }),
  });
  stream.sequence += 1;
  published += 1;
}

process.on('message', async (message) => {
  if (message.type === 'start') {
    nc ??= await connect({ servers: message.nats });
    streams = [];
    for (let call = 0; call < message.calls; call += 1) {
      for (const track of message.tracks) {
        const index = streams.length;
        streams.push({
          subject: `audio.v1.${message.prefix}${call}.${track}`,
          sequence: 0,
          phase: index % PHASES,
          pcm: tone(index),
        });
      }
    }
    const byPhase = Array.from({ length: PHASES }, (_, p) => streams.filter((s) => s.phase === p));
    const startedAt = performance.now();
    let slot = -1;
    timer = setInterval(() => {
      const due = Math.floor((performance.now() - startedAt) / 2);
      // Catch up at most one period: a late timer publishes late, it does not burst.
      slot = Math.max(slot, due - PHASES);
      while (slot < due) {
        slot += 1;
        for (const stream of byPhase[slot % PHASES]) publish(stream);
      }
    }, 2);
    process.send({ type: 'started' });
  } else if (message.type === 'count') {
    const cpu = process.cpuUsage(cpuMark);
    const cpuMsPerSecond = Math.round(
      (cpu.user + cpu.system) / 1000 / ((performance.now() - timeMark) / 1000),
    );
    cpuMark = process.cpuUsage();
    timeMark = performance.now();
    process.send({ type: 'count', published, cpuMsPerSecond });
  } else if (message.type === 'stop') {
    clearInterval(timer);
    await nc.flush();
    process.send({ type: 'stopped' });
  }
});
