import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUDIO_DEFECTS,
  AudioDefect,
  ASTERISK_RTP_FORMATS,
  encodeAlawInto,
  encodeUlawInto,
  pcm16ToSlinBeInto,
  readWavPcm16,
  withAudioDefect,
} from '@asb/rtp';
import type { ExternalMediaFormat } from '../pbx/asterisk-instance';

/** The voices a simulated call carries: the customer's (a trunk's spy=in) and the agent's (spy=out). */
export const FIXTURE_VOICES = ['caller', 'agent'] as const;
export type FixtureVoice = (typeof FIXTURE_VOICES)[number];

/** Separates a voice from the defect its audio carries: `caller~byte_swapped`. */
const DEFECT_SEPARATOR = '~';

/** The name of a voice whose audio carries `defect` (see @asb/rtp's audio defects). */
export function voiceWithDefect(voice: FixtureVoice, defect?: AudioDefect): string {
  return defect ? `${voice}${DEFECT_SEPARATOR}${defect}` : voice;
}

/** Where the WAV fixtures are: beside the bundle in dist, or in the app's folder when run from source. */
export function defaultFixturesDir(): string {
  const candidates = [join(__dirname, 'fixtures'), join(__dirname, '../../fixtures')];
  return candidates.find((dir) => existsSync(join(dir, 'caller-8k.wav'))) ?? candidates[0];
}

/**
 * The speech the simulator sends, loaded once and encoded once per (voices, format): a stream
 * then only copies slices of a ready payload loop, so sending costs no encoding at all.
 */
export class FixtureLibrary {
  private readonly pcm = new Map<string, Int16Array>();
  private readonly loops = new Map<string, Buffer>();

  constructor(readonly dir: string = defaultFixturesDir()) {
    for (const voice of FIXTURE_VOICES) {
      for (const rate of [8000, 16000]) {
        const file = join(dir, `${voice}-${rate / 1000}k.wav`);
        const wav = readWavPcm16(file);
        if (wav.sampleRate !== rate)
          throw new Error(`${file} is ${wav.sampleRate} Hz, expected ${rate}`);
        this.pcm.set(`${voice}@${rate}`, wav.samples);
      }
    }
  }

  /**
   * The exact samples a single voice sends at a rate (tests compare received audio with these);
   * a voice named with a defect (voiceWithDefect) sends its audio broken that way.
   */
  samples(voice: string, rate: 8000 | 16000): Int16Array {
    let samples = this.pcm.get(`${voice}@${rate}`);
    if (samples) return samples;
    const [clean, defect] = voice.split(DEFECT_SEPARATOR);
    if (defect !== undefined && (AUDIO_DEFECTS as readonly string[]).includes(defect)) {
      samples = withAudioDefect(
        defect as AudioDefect,
        { 8000: this.samples(clean, 8000), 16000: this.samples(clean, 16000) },
        rate,
      );
      this.pcm.set(`${voice}@${rate}`, samples);
      return samples;
    }
    throw new Error(`no fixture for voice ${voice} at ${rate} Hz`);
  }

  /** Several voices summed with saturation, as a snoop with spy=both hears them. */
  mixed(voices: readonly string[], rate: 8000 | 16000): Int16Array {
    if (voices.length === 1) return this.samples(voices[0], rate);
    const sources = voices.map((voice) => this.samples(voice, rate));
    const out = new Int16Array(Math.max(...sources.map((s) => s.length)));
    for (const source of sources) {
      for (let i = 0; i < source.length; i += 1)
        out[i] = Math.max(-32768, Math.min(32767, out[i] + source[i]));
    }
    return out;
  }

  /**
   * One loop of the voices as Asterisk writes them to an AudioSocket: signed linear in host order
   * (little-endian), or a G.711 format's own bytes.
   */
  audioSocketLoop(voices: readonly string[], format: ExternalMediaFormat): Buffer {
    if (format === 'ulaw' || format === 'alaw') return this.encodedLoop(voices, format);
    const key = `${voices.join('+')}@${format}/le`;
    let loop = this.loops.get(key);
    if (!loop) {
      const pcm = this.mixed(voices, format === 'slin16' ? 16000 : 8000);
      loop = Buffer.alloc(pcm.length * 2);
      for (let i = 0; i < pcm.length; i += 1) loop.writeInt16LE(pcm[i], i * 2);
      this.loops.set(key, loop);
    }
    return loop;
  }

  /** The payload bytes of one loop of the voices in an RTP format. */
  encodedLoop(voices: readonly string[], format: ExternalMediaFormat): Buffer {
    const key = `${voices.join('+')}@${format}`;
    let loop = this.loops.get(key);
    if (!loop) {
      const profile = ASTERISK_RTP_FORMATS[format];
      const pcm = this.mixed(voices, profile.sampleRate as 8000 | 16000);
      loop = Buffer.alloc(pcm.length * (format === 'slin' || format === 'slin16' ? 2 : 1));
      if (format === 'ulaw') encodeUlawInto(pcm, loop, 0);
      else if (format === 'alaw') encodeAlawInto(pcm, loop, 0);
      else pcm16ToSlinBeInto(pcm, loop, 0);
      this.loops.set(key, loop);
    }
    return loop;
  }
}
