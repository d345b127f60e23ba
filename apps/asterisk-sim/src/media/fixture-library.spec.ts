import { FixtureLibrary, voiceWithDefect } from './fixture-library';

describe('FixtureLibrary', () => {
  const library = new FixtureLibrary();

  it('sends a voice named with a defect broken that way, in every format', () => {
    const clean = library.samples('caller', 8000);
    const swapped = library.samples(voiceWithDefect('caller', 'byte_swapped'), 8000);
    expect(swapped).toHaveLength(clean.length);
    const first = clean.findIndex((sample) => sample !== 0);
    expect(swapped[first]).toBe(
      ((((clean[first] & 0xff) << 8) | ((clean[first] >> 8) & 0xff)) << 16) >> 16,
    );
    // 8 kHz audio played as 16 kHz: the 8 kHz recording's samples in a 16 kHz stream.
    expect(library.samples(voiceWithDefect('agent', 'rate_8k_as_16k'), 16000)).toEqual(
      library.samples('agent', 8000),
    );
    expect(library.encodedLoop([voiceWithDefect('caller', 'silence')], 'slin16')).toEqual(
      Buffer.alloc(library.samples('caller', 16000).length * 2),
    );
  });

  it('names a voice without a defect as it is, and refuses one it does not know', () => {
    expect(voiceWithDefect('caller')).toBe('caller');
    expect(() => library.samples('caller~garbled', 8000)).toThrow(
      /no fixture for voice caller~garbled/,
    );
  });
});
