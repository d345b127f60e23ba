import { decodeAlawInto, decodeUlawInto, encodeAlawInto, encodeUlawInto } from './g711';

/**
 * The samples a receiver decodes when `pcm` is sent in `codec`: G.711's quantisation applied,
 * slin's big-endian trip a no-op. For tests and tools that must hear what a stream carries.
 */
export function throughCodec(
  pcm: Int16Array,
  codec: 'ulaw' | 'alaw' | 'slin' | 'slin16',
): Int16Array {
  if (codec !== 'ulaw' && codec !== 'alaw') return pcm.slice();
  const bytes = Buffer.alloc(pcm.length);
  const decoded = new Int16Array(pcm.length);
  if (codec === 'ulaw') {
    encodeUlawInto(pcm, bytes, 0);
    decodeUlawInto(bytes, decoded, 0);
  } else {
    encodeAlawInto(pcm, bytes, 0);
    decodeAlawInto(bytes, decoded, 0);
  }
  return decoded;
}
