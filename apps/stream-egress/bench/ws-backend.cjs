// The backends of the stream-egress benchmark, in their own process: a WebSocket server that
// takes every stream (/twilio: Twilio Media Streams JSON, /jambonz: jambonz stereo PCM, /raw: the
// bare forwarder's PCM frames), counts the media messages and measures each one's latency from
// the send time its audio carries (bench-timecode.cjs), in a histogram of 10 us bins.
const { WebSocketServer } = require('ws');
const { latencyFromCodes, ulawEncode } = require('./bench-timecode.cjs');

const BINS = 500_000; // 5 s
let histogram = new Uint32Array(BINS + 1);
let messages = 0;
let connections = 0;
const PAYLOAD = Buffer.from('"payload":"');

function record(latency) {
  histogram[Math.min(latency, BINS)] += 1;
  messages += 1;
}

function onTwilio(data) {
  const at = data.indexOf(PAYLOAD);
  if (at < 0) return; // connected, start, stop
  const codes = Buffer.from(
    data.toString('latin1', at + PAYLOAD.length, at + PAYLOAD.length + 8),
    'base64',
  );
  record(latencyFromCodes(codes[0], codes[1], codes[2], codes[3]));
}

function onPcm(data, stride) {
  const s = (k) => ulawEncode(data.readInt16LE(2 * k * stride));
  record(latencyFromCodes(s(0), s(1), s(2), s(3)));
}

function percentile(fraction) {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const wanted = Math.ceil(total * fraction);
  let seen = 0;
  for (let bin = 0; bin <= BINS; bin += 1) {
    seen += histogram[bin];
    if (seen >= wanted) return bin / 100;
  }
  return BINS / 100;
}

// The backend must not be the bottleneck: no UTF-8 check of the (ASCII) JSON.
function cpuMsPerSecond() {
  const cpu = process.cpuUsage(cpuMark);
  return Math.round((cpu.user + cpu.system) / 1000 / ((performance.now() - timeMark) / 1000));
}

const server = new WebSocketServer({
  port: 0,
  host: '127.0.0.1',
  perMessageDeflate: false,
  skipUTF8Validation: true,
});
let cpuMark = process.cpuUsage();
let timeMark = performance.now();
server.on('connection', (ws, request) => {
  connections += 1;
  const path = (request.url ?? '').split('?')[0];
  ws.on('message', (data, isBinary) => {
    if (path === '/twilio') onTwilio(data);
    else if (isBinary) onPcm(data, path === '/jambonz' ? 2 : 1);
  });
  ws.on('close', () => (connections -= 1));
});

server.on('listening', () => process.send({ type: 'listening', port: server.address().port }));

process.on('message', (message) => {
  if (message.type === 'reset') {
    histogram = new Uint32Array(BINS + 1);
    messages = 0;
    cpuMark = process.cpuUsage();
    timeMark = performance.now();
    process.send({ type: 'reset' });
  } else if (message.type === 'stats') {
    process.send({
      type: 'stats',
      messages,
      connections,
      p50: percentile(0.5),
      p99: percentile(0.99),
      p999: percentile(0.999),
      max: percentile(1),
      cpuMsPerSecond: cpuMsPerSecond(),
    });
  }
});
