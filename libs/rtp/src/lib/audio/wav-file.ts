import { readFileSync } from 'node:fs';

export interface WavPcm16 {
  sampleRate: number;
  samples: Int16Array;
}

/** Reads a mono PCM16 WAV file (the fixtures' format), walking its chunks rather than assuming a 44-byte header. */
export function readWavPcm16(path: string): WavPcm16 {
  const data = readFileSync(path);
  if (data.toString('ascii', 0, 4) !== 'RIFF' || data.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path} is not a RIFF/WAVE file`);
  }
  let offset = 12;
  let sampleRate = 0;
  while (offset + 8 <= data.length) {
    const id = data.toString('ascii', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = data.readUInt16LE(body);
      const channels = data.readUInt16LE(body + 2);
      const bits = data.readUInt16LE(body + 14);
      if (format !== 1 || channels !== 1 || bits !== 16) {
        throw new Error(
          `${path} must be mono 16-bit PCM (format ${format}, ${channels} channels, ${bits} bits)`,
        );
      }
      sampleRate = data.readUInt32LE(body + 4);
    } else if (id === 'data') {
      if (!sampleRate) throw new Error(`${path}: data chunk before fmt chunk`);
      const length = Math.min(size, data.length - body) >> 1;
      const samples = new Int16Array(length);
      for (let i = 0; i < length; i += 1) samples[i] = data.readInt16LE(body + i * 2);
      return { sampleRate, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}
