// The send time a benchmark frame carries in its first four samples, so a backend can measure
// end-to-end latency whatever format the frame was converted to. Each sample is the u-law decode
// of a code 0x80 | 6 bits (codes that survive u-law encoding unchanged); together they hold the
// wall clock in 10 us units, modulo 2^24 (168 s). A receiver re-encodes the samples to u-law (or
// reads the u-law bytes of a Twilio payload) to get the codes back.

function ulawDecode(byte) {
  const code = ~byte & 0xff;
  const segment = (code >> 4) & 0x07;
  const magnitude = ((((code & 0x0f) << 3) + 0x84) << segment) - 0x84;
  return code & 0x80 ? -magnitude : magnitude;
}

function ulawEncode(sample) {
  let magnitude = Math.max(-32768, Math.min(32767, sample | 0));
  let mask = 0xff;
  if (magnitude < 0) {
    magnitude = -magnitude;
    mask = 0x7f;
  }
  if (magnitude > 32635) magnitude = 32635;
  magnitude += 0x84;
  const segment = 24 - Math.clz32(magnitude);
  const mantissa = (magnitude >> (segment + 3)) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

const MASK = 0xffffff;

/** Wall-clock time in 10 us units, comparable between processes of one machine. */
function now10us() {
  return Math.round((performance.timeOrigin + performance.now()) * 100) & MASK;
}

/** Writes the current time into the first four samples of a PCM16LE frame. */
function stamp(pcm) {
  const t = now10us();
  for (let k = 0; k < 4; k += 1)
    pcm.writeInt16LE(ulawDecode(0x80 | ((t >> (6 * k)) & 0x3f)), 2 * k);
}

/** Latency in 10 us units from the four u-law codes of a frame. */
function latencyFromCodes(c0, c1, c2, c3) {
  const t = (c0 & 0x3f) | ((c1 & 0x3f) << 6) | ((c2 & 0x3f) << 12) | ((c3 & 0x3f) << 18);
  return (now10us() - t) & MASK;
}

module.exports = { ulawDecode, ulawEncode, stamp, latencyFromCodes, now10us };
