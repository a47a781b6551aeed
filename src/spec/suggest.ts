import { distance } from 'fastest-levenshtein';

/**
 * The candidate a typo most likely meant, or undefined when nothing is close enough.
 * "Close" is a Levenshtein distance of 1 for 3-letter words, 2 from 4 letters (a swap of
 * two letters, `sede` → `seed`, costs 2), one per three letters for long words; so
 * `epoch` → `epochs`, but `blue` does not become `brown`. One- and two-letter words only
 * match by case (`a` is one edit from every other one-letter name).
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = word.length < 3 ? 0 : word.length === 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/**
 * Tail for an "unknown X" message: `, did you mean "y"?` when a candidate is close, else
 * the list of what is allowed (`; allowed keys: a, b`), so the user need not open the docs.
 * `listLabel` names that list; with no candidates at all it says "none".
 */
export function didYouMean(word: string, candidates: readonly string[], listLabel: string): string {
  const close = suggest(word, candidates);
  if (close !== undefined) return `, did you mean "${close}"?`;
  return `; ${listLabel}: ${candidates.length > 0 ? candidates.join(', ') : 'none'}`;
}
