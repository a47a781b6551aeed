import type { Prng } from '../util/prng';
import { argmaxChoice } from './supernet';
import type { ArchChoice, SearchSpace } from './search-space';

/**
 * The paths of the supernet a weight step trains (`weightPaths`, docs/stages/dnas.md).
 *
 * Why not the relaxed mixture: with nested channel masks (FBNetV2, src/dnas/supernet.ts) the
 * mixture scales channel c by P(width > c), and so does its gradient. The first channels are
 * always fully on and train fastest; a wide option's extra channels are attenuated and
 * under-trained, so switching them on looks like adding noise, α leans narrow and they train
 * even less ("rich get richer"; docs/results/2026-12-05-dnas-width-bias.md measures it with
 * the cost terms off).
 *
 * The sandwich rule (BigNAS, Yu et al. 2020, §3.1; OFA trains the largest network first)
 * trains the widest path at every step, so every channel is trained at full scale whatever α
 * is; beside it, one path sampled from softmax(α) by the Gumbel-max trick (hard, one option
 * per node, as GDAS), so the slices α favours also train as the stand-alone networks they
 * will be. Both are one-hot paths: a weight step never sees a mixture.
 */

/** Every node at its widest option, every skippable block kept. */
export function widestChoice(space: SearchSpace): ArchChoice {
  const widest = (ws: readonly number[]) => ws.indexOf(Math.max(...ws));
  return {
    firstConv: widest(space.firstConv.widths),
    blocks: space.blocks.map((b) => ({ width: widest(b.widths), keep: true })),
  };
}

/**
 * One option per node drawn from softmax(logits): argmax(α + Gumbel noise) (Gumbel-max: an
 * exact sample, drawn from `rng` node by node in the logits' order).
 */
export function sampleChoice(space: SearchSpace, logits: readonly Float32Array[], rng: Prng): ArchChoice {
  return argmaxChoice(
    space,
    logits.map((l) => l.map((v) => v + gumbel(rng))),
  );
}

/** Standard Gumbel noise −log(−log U), U in (0, 1). */
export function gumbel(rng: Prng): number {
  const u = Math.min(Math.max(rng.next(), 1e-10), 1 - 1e-10);
  return -Math.log(-Math.log(u));
}
