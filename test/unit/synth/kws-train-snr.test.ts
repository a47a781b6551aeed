import type { SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { planClips, SILENCE_LABEL, type SpeechClipPlan } from '../../../src/synth/kws-plan';
import { acceptsSmallKwsConfig, smallKwsConfig, SMALL_KWS_RNG, withoutSnr } from './small-kws-config';

/**
 * `trainSnrDb` (synth-kws): the train split (and its copies) draws its regular SNR from its own
 * range; validation and test clips are the same plans as without it.
 */

const config = (over: SynthKwsConfigInput = {}) =>
  smallKwsConfig({ snrDb: [5, 30], trainCopies: 2, quiet: { fraction: 0.2 }, ...over });
const rng = SMALL_KWS_RNG;
const rest = withoutSnr;

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
    expect(acceptsSmallKwsConfig({ trainSnrDb: [20, 0] })).toBe(false);
  });
});
