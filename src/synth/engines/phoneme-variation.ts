import type { Prng } from '../../util/prng';

/**
 * Phoneme-level variation of one word: the engine's own transcription with one seeded
 * change, the kind of difference between two speakers' readings of the same word that
 * pitch and rate cannot produce — a lengthened vowel, or the stress moved to another
 * syllable (or, in a one-syllable word, a second lengthening). Used for espeak-ng/MBROLA
 * (espeak mnemonics, rendered from `[[…]]`) and Kokoro (IPA tokens).
 */
export interface PhonemeAlphabet {
  /** Characters that start (or continue) a vowel nucleus. */
  readonly vowels: string;
  /** Characters that may follow a vowel inside its nucleus (diphthong parts, digits). */
  readonly nucleus: string;
  readonly stress: string;
  readonly length: string;
}

export const ESPEAK_ALPHABET: PhonemeAlphabet = {
  vowels: 'aeiouAEIOUV03@',
  nucleus: 'aeiouAEIOUV023@#',
  stress: "'",
  length: ':',
};
/** Kokoro's (misaki) IPA, where the capitals A I O W Y are the diphthongs eɪ aɪ oʊ aʊ ɔɪ. */
export const IPA_ALPHABET: PhonemeAlphabet = {
  vowels: 'aeiouæɑɒɔəɛɜɪʊʌɐɚɝAIOWYᵊ',
  nucleus: 'aeiouæɑɒɔəɛɜɪʊʌɐɚɝAIOWYᵊ',
  stress: 'ˈ',
  length: 'ː',
};

/** [start, end) of each vowel nucleus. */
function nuclei(ph: string, a: PhonemeAlphabet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < ph.length; i++) {
    if (!a.vowels.includes(ph[i]!)) continue;
    let j = i + 1;
    while (j < ph.length && a.nucleus.includes(ph[j]!)) j++;
    out.push([i, j]);
    i = j - 1;
  }
  return out;
}

/** `ph` with one seeded change (unchanged if it has no vowel). */
export function perturbPhonemes(ph: string, a: PhonemeAlphabet, rng: Prng): string {
  const vs = nuclei(ph, a);
  if (vs.length === 0) return ph;
  const stressed = ph.indexOf(a.stress);
  if (vs.length > 1 && stressed >= 0 && rng.next() < 0.5) {
    // Move the primary stress onto another nucleus.
    const others = vs.filter(([s]) => !(s > stressed && s <= stressed + 3));
    if (others.length > 0) {
      const [s] = rng.pick(others);
      const without = ph.slice(0, stressed) + ph.slice(stressed + 1);
      const at = s > stressed ? s - 1 : s;
      return without.slice(0, at) + a.stress + without.slice(at);
    }
  }
  // Lengthen a nucleus (a vowel already long gets no second mark).
  const [, end] = rng.pick(vs);
  if (ph[end] === a.length) return ph;
  return ph.slice(0, end) + a.length + ph.slice(end);
}
