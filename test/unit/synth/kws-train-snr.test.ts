import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { planClips, SILENCE_LABEL, type ClipPlan, type SpeechClipPlan } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';

/**
 * `trainSnrDb` (synth-kws): the train split (and its copies) draws its regular SNR from its own
 * range; validation and test clips are the same plans as without it.
 */

const BASE: SynthKwsConfigInput = {
  keywords: ['yes', 'no'],
  perKeyword: 40,
  negatives: ['bed', 'bird'],
  voices: ['en-us', 'en-gb+m3'],
  testVoices: ['en-gb-scotland+f3'],
  backgrounds: [{ type: 'white' }, { type: 'pink' }],
  snrDb: [5, 30],
  trainCopies: 2,
  quiet: { fraction: 0.2 },
};
const config = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...BASE, ...over });
const rng = rngForSeed(5, 'data');

/** A plan without the fields the SNR range may change. */
const rest = (p: ClipPlan) => (p.kind === 'speech' ? { ...p, snrDb: undefined } : { ...p, levelDbfs: undefined });

describe('planClips with trainSnrDb', () => {
  const off = planClips(config(), rng);
  const on = planClips(config({ trainSnrDb: [-5, 10] }), rng);

  it('leaves every validation and test clip as it was, and the same range as snrDb changes nothing', () => {
    expect(on.filter((p) => p.split !== 'train')).toEqual(off.filter((p) => p.split !== 'train'));
    expect(planClips(config({ trainSnrDb: [5, 30] }), rng)).toEqual(off);
  });

  it('draws the regular train clips (copies included) from trainSnrDb; quiet ones keep quiet.snrDb', () => {
    const train = on.filter((p): p is SpeechClipPlan => p.split === 'train' && p.kind === 'speech');
    const regular = train.filter((p) => p.snrDb <= 10);
    const quiet = train.filter((p) => p.snrDb >= 30);
    expect(regular.length + quiet.length).toBe(train.length);
    expect(regular.some((p) => p.snrDb < 5)).toBe(true);
    for (const p of regular) expect(p.snrDb).toBeGreaterThanOrEqual(-5);
    expect(train.length).toBeGreaterThan(on.filter((p) => p.split === 'validation').length); // copies are in
    // Silence clips: background level = speech level − SNR ≥ −30 − 10 dBFS unless quiet.
    const loud = on.filter((p) => p.split === 'train' && p.label === SILENCE_LABEL && p.levelDbfs > -42);
    expect(loud.length).toBeGreaterThan(0);
  });

  it('changes nothing else of a train clip: voice, word, level, shift, background', () => {
    expect(on.map(rest)).toEqual(off.map(rest));
  });

  it('rejects a reversed range', () => {
    expect(synthKwsConfigSchema.safeParse({ ...BASE, trainSnrDb: [20, 0] }).success).toBe(false);
  });
});
