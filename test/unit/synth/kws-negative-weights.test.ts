import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { planClips, UNKNOWN_LABEL, type ClipPlan } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';

/**
 * Weights of `_unknown_` words in the train split (synth-kws `negativeWeights`,
 * docs/results/2026-12-04-kws-recipe.md): more clips of the near-rhymes the model confuses
 * with keywords, with validation and test untouched.
 */

const BASE: SynthKwsConfigInput = {
  keywords: ['yes', 'no'],
  perKeyword: 60,
  unknownFraction: 3,
  negatives: ['bed', 'bird', 'cat'],
  extraNegatives: ['yeah'],
  voices: ['en-us', 'en-gb+m3'],
  testVoices: ['en-gb-scotland+f3'],
  backgrounds: [{ type: 'white' }],
};
const config = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...BASE, ...over });
const rng = rngForSeed(9, 'data');
const word = (p: ClipPlan) => (p.kind === 'speech' ? p.request.text : undefined);
const unknownTrain = (plans: ClipPlan[]) =>
  plans.filter((p) => p.label === UNKNOWN_LABEL && p.split === 'train').map(word);
/** A plan without its word (and the render request that carries it). */
const rest = (p: ClipPlan) => (p.kind === 'speech' ? { ...p, request: { ...p.request, text: undefined } } : p);

describe('planClips with negativeWeights', () => {
  const off = planClips(config(), rng);
  const on = planClips(config({ negativeWeights: { yeah: 5 } }), rng);

  it('is deterministic', () => {
    expect(planClips(config({ negativeWeights: { yeah: 5 } }), rng)).toEqual(on);
  });

  it('draws train words by weight: yeah 5 of 8 shares instead of 1 of 4', () => {
    const share = (ws: (string | undefined)[]) => ws.filter((w) => w === 'yeah').length / ws.length;
    const before = share(unknownTrain(off));
    const after = share(unknownTrain(on));
    expect(before).toBeGreaterThan(0.1);
    expect(before).toBeLessThan(0.4);
    expect(after).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(0.75);
  });

  it('keeps validation and test clips, and every other choice of a train clip, as without weights', () => {
    const heldOut = (plans: ClipPlan[]) => plans.filter((p) => p.split !== 'train');
    expect(heldOut(on)).toEqual(heldOut(off));
    expect(on.map(rest)).toEqual(off.map(rest));
  });

  it('is absent by default and refuses a word outside the lists or a negative weight', () => {
    const r = synthKwsConfigSchema.safeParse({ ...BASE, negativeWeights: { goat: 2 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('\\"goat\\" is not in negatives or extraNegatives');
    expect(synthKwsConfigSchema.safeParse({ ...BASE, negativeWeights: { yeah: -1 } }).success).toBe(false);
    expect('negativeWeights' in config()).toBe(false);
  });
});
