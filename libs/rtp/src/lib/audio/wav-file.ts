import { readFileSync } from 'node:fs';

export interface WavPcm16 {
  sampleRate: number;
  samples: Int16Array;
}

export interface WavPcm16Channels {
  sampleRate: number;
  /** One array of samples per channel (0 = left). */
  channels: Int16Array[];
}

/**
 * Reads a PCM16 WAV file of any channel count, walking its chunks rather than assuming a 44-byte
 * header, and splits the interleaved samples into one array per channel.
 */
export function readWavPcm16Channels(path: string): WavPcm16Channels {
  const data = readFileSync(path);
  if (data.toString('ascii', 0, 4) !== 'RIFF' || data.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path} is not a RIFF/WAVE file`);
  }
  let offset = 12;
  let sampleRate = 0;
  let channelCount = 0;
  while (offset + 8 <= data.length) {
    const id = data.toString('ascii', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = data.readUInt16LE(body);
      channelCount = data.readUInt16LE(body + 2);
      const bits = data.readUInt16LE(body + 14);
      if (format !== 1 || bits !== 16 || channelCount < 1) {
        throw new Error(
          `${path} must be 16-bit PCM (format ${format}, ${channelCount} channels, ${bits} bits)`,
        );
      }
      sampleRate = data.readUInt32LE(body + 4);
    } else if (id === 'data') {
      if (!sampleRate) throw new Error(`${path}: data chunk before fmt chunk`);
      const frames = Math.floor((Math.min(size, data.length - body) >> 1) / channelCount);
      const channels = Array.from({ length: channelCount }, () => new Int16Array(frames));
      for (let i = 0; i < frames; i += 1) {
        for (let c = 0; c < channelCount; c += 1) {
          channels[c][i] = data.readInt16LE(body + (i * channelCount + c) * 2);
        }
      }
      return { sampleRate, channels };
    }
    offset = body + size + (size & 1);
  }
  throw new Error(`${path} has no data chunk`);
}

/** Reads a mono PCM16 WAV file (the fixtures' format). */
export function readWavPcm16(path: string): WavPcm16 {
  const { sampleRate, channels } = readWavPcm16Channels(path);
  if (channels.length !== 1) {
    throw new Error(`${path} must be mono 16-bit PCM (${channels.length} channels)`);
  }
  return { sampleRate, samples: channels[0] };
}
