/**
 * What the media gateway's receive path costs per RTP packet: parse the header, then turn the
 * payload into PCM16 samples, for u-law (172-byte packets) and slin16 (652-byte packets). The
 * baseline, in the same run on the same packets, is the obvious Buffer code: a new Buffer per
 * packet filled sample by sample with writeInt16LE. Alternatives that lost are measured too, so
 * the choice in the library can be re-checked on another machine or Node version.
 *
 *   npx nx run rtp:bench          (BENCH_ROUNDS=7, BENCH_SCALE=1 multiplies packets per round)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ASTERISK_RTP_FORMATS,
  createRtpPacketView,
  decodeUlawInto,
  encodeUlawInto,
  parseRtpPacket,
  pcm16ToSlinBeInto,
  RTP_HEADER_BYTES,
  RtpPacketView,
  slinBeToPcm16Into,
  ulawDecode,
  writeRtpHeader,
} from '../src';
import { benchMachine } from '@asb/testing';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const SCALE = Number(process.env['BENCH_SCALE'] ?? 1);
const ROOT = join(__dirname, '../../..');
/** Distinct packets cycled through, so one packet's bytes do not sit in L1 throughout. */
const POOL = 64;

/** `floor` parses and locates the payload without decoding it: the cost every variant shares. */
type Role = 'floor' | 'chosen' | 'alternative' | 'baseline';

interface Variant {
  group: 'ulaw' | 'slin16';
  name: string;
  role: Role;
  /** Decodes one packet and returns a sample, so the work cannot be optimised away. */
  run(packet: Buffer): number;
}

let seed = 20240601;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

function buildPackets(format: 'ulaw' | 'slin16'): Buffer[] {
  const profile = ASTERISK_RTP_FORMATS[format];
  return Array.from({ length: POOL }, (_, i) => {
    const packet = Buffer.alloc(RTP_HEADER_BYTES + profile.payloadBytes);
    writeRtpHeader(packet, 0, {
      payloadType: profile.payloadType,
      marker: false,
      sequence: i,
      timestamp: (i + 1) * profile.samplesPerPacket,
      ssrc: 0x12345678,
    });
    const pcm = Int16Array.from({ length: profile.samplesPerPacket }, () =>
      Math.round((random() * 2 - 1) * 20000),
    );
    if (format === 'slin16') pcm16ToSlinBeInto(pcm, packet, RTP_HEADER_BYTES);
    else encodeUlawInto(pcm, packet, RTP_HEADER_BYTES);
    return packet;
  });
}

/**
 * Called once per sample by the baseline. Reached through the import, every call would also go
 * through the module-interop getters of whichever compiler loaded this file, and those differ
 * (the baseline ran 1.7x slower under swc's output than under tsc's); a local binding keeps the
 * baseline about Buffer allocation and per-sample writes.
 */
const ulawSample = ulawDecode;

const view: RtpPacketView = createRtpPacketView();
const pcm16k = new Int16Array(ASTERISK_RTP_FORMATS.slin16.samplesPerPacket);
const pcm8k = new Int16Array(ASTERISK_RTP_FORMATS.ulaw.samplesPerPacket);

function payloadOf(packet: Buffer): Buffer {
  if (parseRtpPacket(packet, view) !== null) throw new Error('benchmark packet does not parse');
  return packet.subarray(view.payloadOffset, view.payloadOffset + view.payloadLength);
}

/** G.711 u-law decoded by bit arithmetic per sample, the textbook way, for comparison. */
function ulawByFormula(byte: number): number {
  const code = ~byte & 0xff;
  const magnitude = ((((code & 0x0f) << 3) + 0x84) << ((code >> 4) & 0x07)) - 0x84;
  return code & 0x80 ? -magnitude : magnitude;
}

const floor = (group: Variant['group']): Variant => ({
  group,
  name: 'parse + payload subarray only (no decoding)',
  role: 'floor',
  run: (packet) => payloadOf(packet).length,
});

const variants: Variant[] = [
  floor('ulaw'),
  {
    group: 'ulaw',
    name: 'parse + decodeUlawInto (256-entry table into Int16Array)',
    role: 'chosen',
    run: (packet) => {
      decodeUlawInto(payloadOf(packet), pcm8k, 0);
      return pcm8k[7];
    },
  },
  {
    group: 'ulaw',
    name: 'parse + bit-arithmetic decode per sample into Int16Array',
    role: 'alternative',
    run: (packet) => {
      const payload = payloadOf(packet);
      for (let i = 0; i < payload.length; i += 1) pcm8k[i] = ulawByFormula(payload[i]);
      return pcm8k[7];
    },
  },
  {
    group: 'ulaw',
    name: 'parse + new Buffer, writeInt16LE(ulawDecode(byte)) per sample',
    role: 'baseline',
    run: (packet) => {
      const payload = payloadOf(packet);
      const out = Buffer.alloc(payload.length * 2);
      for (let i = 0; i < payload.length; i += 1) out.writeInt16LE(ulawSample(payload[i]), i * 2);
      return out[14];
    },
  },
  floor('slin16'),
  {
    group: 'slin16',
    name: 'parse + slinBeToPcm16Into (native copy + swap16)',
    role: 'chosen',
    run: (packet) => {
      slinBeToPcm16Into(payloadOf(packet), pcm16k, 0);
      return pcm16k[7];
    },
  },
  {
    group: 'slin16',
    name: 'parse + JS loop assembling each sample from two bytes',
    role: 'alternative',
    run: (packet) => {
      const payload = payloadOf(packet);
      const samples = payload.length >> 1;
      for (let i = 0; i < samples; i += 1) {
        pcm16k[i] = ((payload[2 * i] << 24) >> 16) | payload[2 * i + 1];
      }
      return pcm16k[7];
    },
  },
  {
    group: 'slin16',
    name: 'parse + DataView.getInt16 per sample',
    role: 'alternative',
    run: (packet) => {
      const payload = payloadOf(packet);
      const data = new DataView(payload.buffer, payload.byteOffset, payload.length);
      const samples = payload.length >> 1;
      for (let i = 0; i < samples; i += 1) pcm16k[i] = data.getInt16(2 * i);
      return pcm16k[7];
    },
  },
  {
    group: 'slin16',
    name: 'parse + new Buffer, readInt16BE -> writeInt16LE per sample',
    role: 'baseline',
    run: (packet) => {
      const payload = payloadOf(packet);
      const out = Buffer.alloc(payload.length);
      for (let i = 0; i < payload.length; i += 2) out.writeInt16LE(payload.readInt16BE(i), i);
      return out[14];
    },
  },
];

const packets = { ulaw: buildPackets('ulaw'), slin16: buildPackets('slin16') };
const packetsPerRound = { ulaw: 100_000 * SCALE, slin16: 50_000 * SCALE };

/** Every variant must produce the same samples as the baseline before its speed means anything. */
function checkAgreement(): void {
  for (const group of ['ulaw', 'slin16'] as const) {
    const packet = packets[group][3];
    const samples = ASTERISK_RTP_FORMATS[group].samplesPerPacket;
    const expected = Buffer.alloc(samples * 2);
    const payload = payloadOf(packet);
    for (let i = 0; i < samples; i += 1) {
      const sample = group === 'ulaw' ? ulawDecode(payload[i]) : payload.readInt16BE(i * 2);
      expected.writeInt16LE(sample, i * 2);
    }
    for (const variant of variants.filter(
      (v) => v.group === group && (v.role === 'chosen' || v.role === 'alternative'),
    )) {
      variant.run(packet);
      const out = group === 'ulaw' ? pcm8k : pcm16k;
      if (!Buffer.from(out.buffer, out.byteOffset, samples * 2).equals(expected)) {
        throw new Error(`${variant.name} decodes differently from the baseline`);
      }
    }
  }
}

function timeRound(variant: Variant): { nsPerPacket: number; sink: number } {
  const pool = packets[variant.group];
  const count = packetsPerRound[variant.group];
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) sink += variant.run(pool[i & (POOL - 1)]);
  return { nsPerPacket: Number(process.hrtime.bigint() - started) / count, sink };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  checkAgreement();
  const timings = variants.map(() => [] as number[]);
  let sink = 0;
  // Round 0 warms the JIT up and is discarded; variants alternate within each round, so drift
  // in clock speed or a noisy neighbour hits all of them alike.
  for (let round = 0; round <= ROUNDS; round += 1) {
    variants.forEach((variant, i) => {
      const result = timeRound(variant);
      sink += result.sink;
      if (round > 0) timings[i].push(result.nsPerPacket);
    });
  }

  const rows = variants.map((variant, i) => {
    const nsPerPacket = median(timings[i]);
    const baseline = variants.findIndex((v) => v.group === variant.group && v.role === 'baseline');
    const samples = ASTERISK_RTP_FORMATS[variant.group].samplesPerPacket;
    return {
      group: variant.group,
      role: variant.role,
      variant: variant.name,
      nsPerPacket: Math.round(nsPerPacket),
      /** The fastest round: least disturbed by other processes on a shared machine. */
      bestNsPerPacket: Math.round(Math.min(...timings[i])),
      nsPerSample: Number((nsPerPacket / samples).toFixed(2)),
      speedupVsBaseline:
        variant.role === 'floor'
          ? null
          : Number((median(timings[baseline]) / nsPerPacket).toFixed(2)),
      packetsPerCoreSecond: Math.round(1e9 / nsPerPacket),
    };
  });
  console.table(rows);

  const speedups = Object.fromEntries(
    rows.filter((row) => row.role === 'chosen').map((row) => [row.group, row.speedupVsBaseline]),
  );
  const machine = benchMachine();
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'rtp-decode.json'),
    JSON.stringify(
      {
        benchmark: 'rtp decode per packet',
        date: new Date().toISOString(),
        machine,
        iterations: {
          rounds: ROUNDS,
          warmupRounds: 1,
          packetsPerRound,
          statistic: 'median of rounds (bestNsPerPacket: fastest round)',
        },
        speedupsVsBaseline: speedups,
        rows,
        sink,
      },
      null,
      2,
    ),
  );
  console.log(`speedup of the chosen paths over the baseline: ${JSON.stringify(speedups)}`);
  console.log(
    `results written to bench/results/rtp-decode.json (${machine.cores} x ${machine.cpu})`,
  );
}

main();
