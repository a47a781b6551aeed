import { Prng } from '../util/prng';

/**
 * A source of independent seeded generators, one per purpose key, e.g.
 * `rngFor('clip', 'yes', 17)`. The stage passes `ctx.rng` (= Prng.derive(seed, stageName,
 * ...purpose)); library code and tests take this function instead of a stage context.
 * Because every clip draws from its own generator, the order in which clips are made
 * (concurrency, resume) cannot change their bytes (docs/architecture.md#reproducibility).
 */
export type RngFor = (...purpose: ReadonlyArray<string | number>) => Prng;

/** The same derivation the stage context uses, for callers without a context. */
export function rngForSeed(seed: number, stageName: string): RngFor {
  return (...purpose) => Prng.derive(seed, stageName, ...purpose);
}

/** Index into `weights` with probability proportional to the weight (all > 0). */
export function pickWeighted(weights: readonly number[], rng: Prng): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}
