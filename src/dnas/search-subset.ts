import type { LabelledSet } from '../nn/train-data';
import type { Prng } from '../util/prng';

/**
 * The training clips a cheaper search steps over (`trainFraction`, docs/stages/dnas.md): per
 * label, a seeded random `fraction` of that label's clips (at least one), so every class keeps
 * its share and the search's class balance is the training split's. The kept clips stay in
 * their original order; the search shuffles them per epoch as it does the whole split.
 *
 * The search ranks widths by the supernet's loss and the cost terms; with masking (one
 * forward at the widest width per step, src/dnas/supernet.ts) its cost is proportional to the
 * clips it sees, so a fraction f of the clips costs f of the search
 * (docs/results/2026-12-04-dnas-current-firmware.md measures that the argmax holds).
 */
export function stratifiedSubset(set: LabelledSet, exampleSize: number, fraction: number, rng: Prng): LabelledSet {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`stratifiedSubset: fraction ${fraction} is not in (0, 1]`);
  if (fraction === 1) return set;
  return stratifiedSplit(set, exampleSize, fraction, rng).kept;
}

/**
 * The same per-label draw, returning the clips left out too: `kept` (a `fraction` of each
 * label, at least one) and `rest` (the others; the architecture steps' held-apart clips).
 */
export function stratifiedSplit(
  set: LabelledSet,
  exampleSize: number,
  fraction: number,
  rng: Prng,
): { kept: LabelledSet; rest: LabelledSet } {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < set.n; i++) {
    const label = set.y[i] as number;
    const list = byLabel.get(label);
    if (list === undefined) byLabel.set(label, [i]);
    else list.push(i);
  }
  const kept: number[] = [];
  // Labels in ascending order, so the draws do not depend on the order clips appear in.
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const idx = rng.shuffle([...byLabel.get(label)!]);
    kept.push(...idx.slice(0, Math.max(1, Math.round(idx.length * fraction))));
  }
  kept.sort((a, b) => a - b);
  const inKept = new Uint8Array(set.n);
  for (const k of kept) inKept[k] = 1;
  const rest = Array.from({ length: set.n }, (_, i) => i).filter((i) => inKept[i] === 0);
  return { kept: gather(set, exampleSize, kept), rest: gather(set, exampleSize, rest) };
}

function gather(set: LabelledSet, exampleSize: number, idx: readonly number[]): LabelledSet {
  const x = new Float32Array(idx.length * exampleSize);
  const y = new Int32Array(idx.length);
  idx.forEach((k, i) => {
    x.set(set.x.subarray(k * exampleSize, (k + 1) * exampleSize), i * exampleSize);
    y[i] = set.y[k] as number;
  });
  return { x, y, n: idx.length };
}
