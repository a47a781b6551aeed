import { ESPEAK_ALPHABET, IPA_ALPHABET, perturbPhonemes } from '../../../../src/synth/engines/phoneme-variation';
import { ipaToKokoro, kokoroStyle, KOKORO_BASE_VOICES } from '../../../../src/synth/engines/neural';
import { Prng } from '../../../../src/util/prng';

describe('perturbPhonemes', () => {
  it('makes exactly one change: a lengthened vowel or a moved stress', () => {
    const seen = new Set<string>();
    for (let s = 0; s < 40; s++) {
      const out = perturbPhonemes("m'A@vIn", ESPEAK_ALPHABET, Prng.derive('t', s));
      seen.add(out);
      const lengthened = out.replace(':', '') === "m'A@vIn" && out.split(':').length === 2;
      const moved = out.replace("'", '') === 'mA@vIn' && out !== "m'A@vIn";
      expect(lengthened || moved).toBe(true);
    }
    expect(seen).toEqual(new Set(["m'A@:vIn", "m'A@vI:n", "mA@v'In"]));
  });

  it('is a function of the seed', () => {
    expect(perturbPhonemes('lˈɛft', IPA_ALPHABET, Prng.derive('x', 1))).toBe(
      perturbPhonemes('lˈɛft', IPA_ALPHABET, Prng.derive('x', 1)),
    );
    expect(perturbPhonemes('lˈɛft', IPA_ALPHABET, Prng.derive('x', 1))).toBe('lˈɛːft');
  });

  it('leaves a transcription without vowels alone', () => {
    expect(perturbPhonemes('st', ESPEAK_ALPHABET, Prng.derive('x', 1))).toBe('st');
  });
});

describe('Kokoro input', () => {
  it('maps espeak-ng IPA to its alphabet (diphthong capitals, ɹ, split ɚ)', () => {
    expect(ipaToKokoro('ɡˈoʊ')).toBe('ɡˈO');
    expect(ipaToKokoro('ɹˈaɪt')).toBe('ɹˈIt');
    expect(ipaToKokoro('fˈɔːɹwɚd')).toBe('fˈɔːɹwəɹd');
  });

  it('gives each mix a fixed convex blend of the five styles', () => {
    const a = kokoroStyle('mix-03');
    expect(kokoroStyle('mix-03')).toEqual(a);
    expect(Object.keys(a).sort()).toEqual([...KOKORO_BASE_VOICES].sort());
    expect(Object.values(a).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(kokoroStyle('mix-04')).not.toEqual(a);
    expect(kokoroStyle('jm_kumo')).toEqual({ jm_kumo: 1 });
    expect(() => kokoroStyle('mix-x')).toThrow(/unknown voice/);
  });
});
